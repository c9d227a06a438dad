// Command docker-compose is Docker Compose v2 (github.com/docker/compose/v5, pinned in go.mod) built as a
// Docker CLI plugin by the project's own set-up (scripts/compose-v2.sh), for machines whose packages offer none.
// Compose's own main package cannot be imported, so this one wires the same exported root command.
package main

import (
	"os"

	dockercli "github.com/docker/cli/cli"
	"github.com/docker/cli/cli-plugins/metadata"
	"github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/docker/compose/v5/cmd/compatibility"
	commands "github.com/docker/compose/v5/cmd/compose"
	"github.com/docker/compose/v5/cmd/prompt"
	"github.com/docker/compose/v5/pkg/compose"
)

// version is set at link time (-X main.version=…) to the module version go.mod pins.
var version = "unknown"

func rootCommand(cli command.Cli) *cobra.Command {
	confirm := prompt.NewPrompt(cli.In(), cli.Out()).Confirm
	root := commands.RootCommand(cli, &commands.BackendOptions{
		Options: []compose.Option{compose.WithPrompt(confirm)},
	})
	ownPreRun := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		// The plugin framework connects the CLI to the engine here; Compose's own hook runs after it.
		if err := plugin.PersistentPreRunE(cmd, args); err != nil {
			return err
		}
		if ownPreRun == nil {
			return nil
		}
		return ownPreRun(cmd, args)
	}
	// A bad flag exits 1 with cobra's message, as the official binary does.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return dockercli.StatusError{StatusCode: 1, Status: err.Error()}
	})
	return root
}

func main() {
	if plugin.RunningStandalone() {
		// Run as `docker-compose …`: v1's flags are translated, as in the official standalone binary.
		os.Args = append([]string{"docker"}, compatibility.Convert(os.Args[1:])...)
	}
	plugin.Run(rootCommand, metadata.Metadata{
		SchemaVersion: "0.1.0",
		Vendor:        "Docker Inc.",
		Version:       version,
	}, command.WithUserAgent("compose/"+version))
}

/**
 * The one launcher of the four services (README, "Runtimes"): `make up|down|ps|logs|…` in the local
 * runtime run it, and the tests and the bench use its modules. Run by Node itself (type stripping):
 *
 *   node scripts/launcher/cli.ts up|down|ps|logs [SERVICE]|start SERVICE|stop SERVICE|restart SERVICE|status SERVICE
 *   node scripts/launcher/cli.ts supervise SERVICE STATE_FILE LOG_FILE   (what `up` starts, detached)
 */
import { runLocalRuntime } from './local-runtime.ts';
import { isServiceName } from './services.ts';
import { supervise } from './supervisor.ts';

// `make ps | head`: a reader that stops early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

const [command, ...rest] = process.argv.slice(2);
if (command === 'supervise') {
  const [service, stateFile, logFile] = rest;
  if (!service || !isServiceName(service) || !stateFile || !logFile) {
    process.stderr.write('usage: cli.ts supervise SERVICE STATE_FILE LOG_FILE\n');
    process.exit(2);
  }
  supervise({ service, stateFile, logFile });
} else {
  try {
    process.exitCode = await runLocalRuntime([command ?? '', ...rest]);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

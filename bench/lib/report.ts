export interface Row {
  scenario: string;
  measure: string;
  value: number;
  unit: string;
  note?: string;
}

interface ScenarioParams {
  quick: boolean;
  durationSeconds: number;
  connections: number;
}

export type Scenario = (
  params: ScenarioParams,
) => Promise<{ rows: Row[]; parameters: Record<string, unknown>; errors: number }>;

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
}

export function printTable(rows: Row[]): void {
  const widths = [12, 44, 14, 10];
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`${line(['scenario', 'measure', 'value', 'unit'])}  note\n`);
  for (const row of rows)
    process.stdout.write(`${line([row.scenario, row.measure, format(row.value), row.unit])}  ${row.note ?? ''}\n`);
}

import { appendFileSync, readFileSync } from 'node:fs';

/**
 * What a chaos run records, one JSON object per line (history.jsonl), in the order things happened:
 * every publish as an invoke and its outcome, every fault's start and end, and reads taken during the
 * run. The checker judges a run from this and the final dump alone, so a run can be judged again later.
 */
export type HistoryOp =
  | { type: 'invoke'; time: number; client: string; seq: number; event_id: string; user_id: string; attempt: number }
  /** 202: Kafka has it. `json`: the event as answered, the bytes event_log stores. */
  | { type: 'ok'; time: number; client: string; seq: number; event_id: string; json?: string }
  /** A definite refusal (4xx): nothing of it may be stored. */
  | { type: 'fail'; time: number; client: string; seq: number; event_id: string; status: number; code?: string }
  /** Unknown: a timeout, a reset connection, a 5xx (503 may come after the record was sent). Stored at most once. */
  | { type: 'info'; time: number; client: string; seq: number; event_id: string; status?: number; reason: string }
  /** A fault about to be applied, as drawn; `fault-applied` says whether it was. */
  | { type: 'fault-start'; time: number; id: number; kind: string; target: string }
  /** Whether the nemesis managed to apply it (a process already gone, a refused command: not applied). */
  | { type: 'fault-applied'; time: number; id: number; kind: string; target: string; ok: boolean; error?: string }
  | { type: 'fault-end'; time: number; id: number; kind: string; target: string; error?: string }
  /** A user's latest event as `GET event:<user_id>` answered during the run (null: none yet). */
  | { type: 'read-user'; time: number; user_id: string; event_id: string | null }
  /** Acknowledged events found stored during the run (a sample, read with ZMSCORE). */
  | { type: 'read-stored'; time: number; event_ids: string[] }
  | { type: 'healed'; time: number }
  | { type: 'settled'; time: number; settled: boolean; detail: string };

export function appendOp(path: string, op: HistoryOp): void {
  appendFileSync(path, `${JSON.stringify(op)}\n`);
}

export function readHistory(path: string): HistoryOp[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as HistoryOp);
}

/** The state of the pipeline after the last heal, as the checker needs it (dump.json). */
export interface FinalDump {
  /** Every record of `events`, in offset order per partition. */
  topic: { partition: number; offset: number; key: string | null; value: string }[];
  /** The members of event_log. */
  eventLog: string[];
  /**
   * The events of event_stream, oldest first: each `e` field with its entry's id (whose first part is when it was
   * stored).
   */
  stream: { id: string; e: string }[];
  /** GET event:<user_id> for every user of the run. */
  userKeys: Record<string, string | null>;
  /** The records of events.dlq, their values as text. */
  deadLetters: string[];
  /** Per partition of `events`: its end offset and the group's committed offset (-1: none). */
  offsets: { partition: number; end: number; committed: number }[];
  /**
   * event_stream's entries kept and ever added (XINFO STREAM): equal when nothing was trimmed, so that every
   * stored write of the run (each store-script call adds one entry) is in `stream`. Absent in older dumps.
   */
  streamWrites?: { kept: number; added: number };
}

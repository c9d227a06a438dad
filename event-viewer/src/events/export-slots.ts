/** Why an export was refused: too many running in all, or too many of this client's. */
export type ExportRefusal = 'total' | 'client';

/**
 * Admission for GET /export: at most `total` running at once and `perClient` per client (a signed-in
 * principal, or an address when the viewer is open). `take` answers a release function, to be called once
 * when the export ends, or why it was refused. The map holds only clients with an export running, so it
 * never has more than `total` keys.
 */
export function createExportSlots(total: number, perClient: number) {
  const byClient = new Map<string, number>();
  let running = 0;
  return {
    take(client: string): (() => void) | ExportRefusal {
      if (running >= total) return 'total';
      const mine = byClient.get(client) ?? 0;
      if (mine >= perClient) return 'client';
      running++;
      byClient.set(client, mine + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        running--;
        const left = byClient.get(client)! - 1;
        if (left === 0) byClient.delete(client);
        else byClient.set(client, left);
      };
    },
    get running(): number {
      return running;
    },
    get clients(): number {
      return byClient.size;
    },
  };
}

export type ExportSlots = ReturnType<typeof createExportSlots>;

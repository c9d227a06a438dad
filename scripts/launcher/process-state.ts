import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Whether a process exists and is not a zombie. Where nothing reaps orphans (PID 1 of some
 * sandboxes does not), a killed daemon stays a zombie that `kill -0` would report alive.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Resident memory of a process, in bytes (0 when it is gone). */
export function rssBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** CPU time a process has used (user + system), in milliseconds, from /proc (any process: broker, Redis…). */
export function cpuMillis(pid: number): number {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** CPU time a process has used in user space and in the kernel on its behalf, in milliseconds. */
export function cpuSplit(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks of 1/100 s on Linux.
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

/**
 * Times a process's main thread went to sleep and was woken (a timer, a socket, a signal): its
 * voluntary context switches, from /proc. An idle Node service should add a few a second at most.
 */
export function wakeups(pid: number): number {
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/**
 * The process listening on a TCP port of this machine, from /proc (the socket's inode, then the
 * process holding it): undefined when none listens, or it belongs to a user whose processes we cannot read.
 */
export function portHolder(port: number): { pid: number; command: string } | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 is the socket's inode.
      if (fields[1]?.endsWith(`:${hex}`) && fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        return { pid: Number(entry), command };
      }
    }
  }
  return undefined;
}

/**
 * Live processes of a process group (a supervisor's, after the supervisor itself died), read from
 * /proc: zombies are left out, since where nothing reaps orphans they would count for ever.
 */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After "pid (comm) ": state, ppid, pgrp.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry));
    } catch {
      // The process ended while we read.
    }
  }
  return members;
}

/** How long a process may take to be gone after SIGKILL: the kernel gives a JVM's gigabytes back after the signal. */
export const KILL_WAIT_MS = 10_000;

/**
 * SIGTERM to `target` (a pid, or minus a process group id), then SIGKILL to `killTargets` when `running()`
 * still holds after `graceMs`, and a wait until they are gone: the launcher's one stop (infra/lib.sh's
 * stop_pid is its twin for the scripts that run without Node). Resolves true when it had to kill; rejects
 * when something killed still exists KILL_WAIT_MS later, rather than reporting it stopped.
 */
export async function terminate(
  target: number,
  running: () => boolean,
  graceMs: number,
  killTargets: number[] = [target],
): Promise<boolean> {
  process.kill(target, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!running()) return false;
  for (const t of killTargets) {
    try {
      process.kill(t, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  const left = () => [...(running() ? [target] : []), ...killTargets.filter((t) => t > 0 && isAlive(t))];
  const killDeadline = Date.now() + KILL_WAIT_MS;
  while (left().length > 0 && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 50));
  if (left().length > 0)
    throw new Error(`pid ${left().join(', ')} still exists ${KILL_WAIT_MS / 1000} s after SIGKILL`);
  return true;
}

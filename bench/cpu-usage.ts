import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Who used the CPU during a measured phase: the server (all threads, and its event-loop thread
 * alone), this load generator, and everything else on the machine, which on a shared 2-core box
 * (other engineers' test runs) is the main source of noise. Linux /proc only; null elsewhere.
 */

// /proc/stat and /proc/<pid>/stat count clock ticks; USER_HZ is 100 on every Linux ABI Node supports.
const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  wallMs: number;
  serverProcessS: number | null;
  serverMainThreadS: number | null;
  client: NodeJS.CpuUsage;
  machineBusyS: number | null;
  machineStealS: number | null;
}

export interface CpuShares {
  /** Each as percent of one core over the phase's wall time. */
  serverPct: number | null;
  eventLoopPct: number | null;
  clientPct: number;
  /** Everything else: other processes, and kernel work no process is charged for (loopback softirq). */
  otherPct: number | null;
  /** Time the hypervisor gave our vCPUs to someone else. */
  stealPct: number | null;
  /** Server CPU (all threads, mail worker included) per request answered in the phase. */
  serverUsPerRequest: number | null;
}

export function takeCpuSnapshot(serverPid: number): CpuSnapshot {
  const machine = readMachine();
  return {
    wallMs: performance.now(),
    serverProcessS: readProcessCpu(serverPid),
    serverMainThreadS: readMainThreadCpu(serverPid),
    client: process.cpuUsage(),
    machineBusyS: machine?.busy ?? null,
    machineStealS: machine?.steal ?? null,
  };
}

export function cpuShares(before: CpuSnapshot, after: CpuSnapshot, requests: number): CpuShares {
  const wallS = (after.wallMs - before.wallMs) / 1000;
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  const pct = (s: number | null) => (s === null ? null : (100 * s) / wallS);
  const server = delta(before.serverProcessS, after.serverProcessS);
  const clientS = (after.client.user - before.client.user + after.client.system - before.client.system) / 1e6;
  const busy = delta(before.machineBusyS, after.machineBusyS);
  return {
    serverPct: pct(server),
    eventLoopPct: pct(delta(before.serverMainThreadS, after.serverMainThreadS)),
    clientPct: (100 * clientS) / wallS,
    otherPct: busy === null || server === null ? null : Math.max(0, pct(busy - server - clientS) ?? 0),
    stealPct: pct(delta(before.machineStealS, after.machineStealS)),
    serverUsPerRequest: server === null || requests === 0 ? null : (1e6 * server) / requests,
  };
}

function readProcessCpu(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** The event loop's thread: /proc/<pid>/schedstat covers the thread-group leader only, in nanoseconds. */
function readMainThreadCpu(pid: number): number | null {
  try {
    const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e9 : null;
  } catch {
    return null;
  }
}

/** All CPUs together: busy = user + nice + system + irq + softirq; steal separately. */
function readMachine(): { busy: number; steal: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0);
    return Number.isFinite(busy) ? { busy: busy / TICKS_PER_SECOND, steal: (steal ?? 0) / TICKS_PER_SECOND } : null;
  } catch {
    return null;
  }
}

/**
 * Waits (at most maxWaitS) until the whole machine, with the bench idle, stays under `busyPct`
 * percent of one core for a one-second window: other engineers' test runs would otherwise share
 * the two cores with the server. Returns the last window's load; never waits off Linux.
 */
export async function waitForQuietMachine(
  maxWaitS: number,
  busyPct: number,
): Promise<{ quiet: boolean; busy: number }> {
  const deadline = performance.now() + maxWaitS * 1000;
  let busy = 0;
  for (let window = 0; window < maxWaitS + 1; window++) {
    const before = readMachine();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = readMachine();
    if (!before || !after) return { quiet: true, busy: 0 };
    busy = 100 * (after.busy - before.busy);
    if (busy < busyPct) return { quiet: true, busy };
    if (performance.now() >= deadline) break;
  }
  return { quiet: false, busy };
}

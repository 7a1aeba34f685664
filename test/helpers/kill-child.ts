import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** A small seeded PRNG (mulberry32): the same seed gives the same kill points on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of the kill tests: KILL_SEED in the environment replays another run. */
export function killSeed(fallback: number): number {
  const s = process.env.KILL_SEED;
  return s && /^\d+$/.test(s) ? Number(s) : fallback;
}

/**
 * When to SIGKILL the child: `ms` after its start, or after its stdout or stderr first matches
 * `after`, or after the file `file` appears; never when omitted.
 */
export interface KillPoint {
  ms: number;
  after?: RegExp;
  file?: string;
}

export interface ChildRun {
  /** The SIGKILL reached a running process (false: it had already ended, or no kill was asked). */
  killed: boolean;
  code: number | null;
  /** From the spawn to the exit. */
  ms: number;
  /** From the spawn to its first output (stdout or stderr), null when it printed nothing. */
  firstOutputMs: number | null;
  /** Its output (stdout and stderr) as it came, each piece with its time from the spawn. */
  pieces: { ms: number; text: string }[];
  stdout: string;
  stderr: string;
}

/** Runs the CLI from the sources (scripts/batid-dev.ts) in a child process, SIGKILLed at `kill`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, kill?: KillPoint): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/batid-dev.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let timer: NodeJS.Timeout | null = null;
    let firstOutputMs: number | null = null;
    const pieces: { ms: number; text: string }[] = [];
    const arm = () => {
      timer = setTimeout(() => {
        killed = child.exitCode === null && child.signalCode === null;
        child.kill('SIGKILL');
      }, kill!.ms);
    };
    let poll: NodeJS.Timeout | null = null;
    if (kill?.file)
      poll = setInterval(() => {
        if (!timer && existsSync(kill.file!)) {
          clearInterval(poll!);
          arm();
        }
      }, 2);
    else if (kill && !kill.after) arm();
    const watch = (text: string) => {
      firstOutputMs ??= performance.now() - t0;
      pieces.push({ ms: performance.now() - t0, text });
      if (kill?.after && !timer && kill.after.test(stdout + stderr)) arm();
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      watch(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      watch(d.toString());
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      resolve({ killed, code, ms: performance.now() - t0, firstOutputMs, pieces, stdout, stderr });
    });
  });
}

/** When the run's output (stdout and stderr together) first matched `re`, from the spawn; null if never. */
export function timeOf(run: ChildRun, re: RegExp): number | null {
  let text = '';
  for (const p of run.pieces) {
    text += p.text;
    if (re.test(text)) return p.ms;
  }
  return null;
}

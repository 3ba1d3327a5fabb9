// Process-tree helpers for tests that kill real processes (sshd sessions, servers).
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of every descendant of `root`, from /proc. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, ppid] of parent)
      if (ppid === pid) {
        out.push(child);
        walk(child);
      }
  };
  walk(root);
  return out;
}

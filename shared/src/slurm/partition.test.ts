// The partition, reservation and disk parsers, against output recorded from the dev cluster (Slurm 22.05.8, GNU
// coreutils df/du) and hostile input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildDfArgv,
  buildDuArgv,
  buildPartitionArgv,
  buildPartitionNodesArgv,
  chunked,
  InvalidClusterQueryError,
  MAX_DISK_OPERANDS,
  parseDf,
  parseDu,
  parsePartitions,
  parseReservations,
  RESERVATIONS_ARGV,
} from './partition.js';
import { shellCommand } from './quote.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../tests/fixtures/slurm/22.05/${name}`, import.meta.url), 'utf8');

describe('parsePartitions (recorded)', () => {
  it('reads name, state, nodes and the default flag', () => {
    const { partitions, rejected } = parsePartitions(fixture('scontrol-show-partition.txt'));
    expect(rejected).toEqual([]);
    expect(partitions).toEqual([
      { name: 'debug', state: 'up', nodes: ['c1', 'c2', 'c3', 'c4'], isDefault: true },
      { name: 'tb_facts', state: 'down', nodes: ['c4'], isDefault: false },
    ]);
  });

  it('maps DRAIN and INACTIVE, rejects unknown states and lines of another shape', () => {
    const { partitions, rejected } = parsePartitions(
      'PartitionName=a Nodes=x[1-2] State=DRAIN\nPartitionName=b State=INACTIVE Nodes=(null)\nPartitionName=c State=WEIRD\ngarbage\n',
    );
    expect(partitions.map((p) => [p.name, p.state, p.nodes])).toEqual([
      ['a', 'drain', ['x1', 'x2']],
      ['b', 'inactive', []],
    ]);
    expect(rejected).toEqual(['PartitionName=c State=WEIRD', 'garbage']);
  });
});

describe('parseReservations (recorded)', () => {
  it('reads a MAINT reservation with its UTC window and expanded nodes', () => {
    const { reservations, rejected } = parseReservations(fixture('scontrol-show-reservation.txt'));
    expect(rejected).toEqual([]);
    expect(reservations).toEqual([
      {
        name: 'tb_rec_maint',
        flags: ['MAINT', 'SPEC_NODES'],
        startMs: Date.parse('2026-12-07T21:45:53Z'),
        endMs: Date.parse('2026-12-07T22:45:53Z'),
        nodes: ['c4'],
      },
    ]);
  });

  it('"No reservations in the system" is none; a line without times is rejected', () => {
    expect(parseReservations(fixture('scontrol-show-reservation-none.txt'))).toEqual({
      reservations: [],
      rejected: [],
    });
    const r = parseReservations('ReservationName=x StartTime=Unknown EndTime=2026-01-01T00:00:00 Nodes=a[1-3]\n');
    expect(r.rejected).toHaveLength(1);
    const ok = parseReservations(
      'ReservationName=y StartTime=2026-01-01T00:00:00 EndTime=2026-01-01T01:00:00 Nodes=a[1-3] Flags=maint,overlap\n',
    );
    expect(ok.reservations[0]).toMatchObject({ flags: ['MAINT', 'OVERLAP'], nodes: ['a1', 'a2', 'a3'] });
  });

  it('asks scontrol under TZ=UTC, so the times read as UTC are the real instants', () => {
    expect(RESERVATIONS_ARGV.slice(0, 2)).toEqual(['env', 'TZ=UTC']);
  });
});

describe('partition argv', () => {
  it('passes a validated name, refuses anything else', () => {
    expect(buildPartitionArgv('gpu_p5')).toEqual(['scontrol', '--oneliner', 'show', 'partition', 'gpu_p5']);
    expect(buildPartitionArgv(null)).toEqual(['scontrol', '--oneliner', 'show', 'partition']);
    expect(buildPartitionNodesArgv('debug', '%N|%T')).toContain('--partition=debug');
    for (const bad of ['a;rm -rf /', '$(id)', '-p', 'x y', '', 'a\nb'])
      expect(() => buildPartitionArgv(bad)).toThrow(InvalidClusterQueryError);
  });
});

describe('df and du over many operands', () => {
  const CKPT = '/tmp/tbdisk/run a/checkpoints';
  const QUOTED = `/tmp/tbdisk/run'b"$(id)`;
  const LEAD = '/tmp/tbdisk/ lead  ';
  const dfOperands = [CKPT, '/tmp/tbdisk/missing', QUOTED, LEAD, '/dev/shm'];

  it('reads one df line per operand it could read, by the path it ends with; a missing one is absent (recorded)', () => {
    const { bytes, rejected } = parseDf(fixture('df-many.txt'), dfOperands);
    expect(rejected).toEqual([]);
    const home = { totalBytes: 270553174016, usedBytes: 26107494400, availableBytes: 82836799488 };
    expect([...bytes]).toEqual([
      [CKPT, home],
      [QUOTED, home],
      [LEAD, home], // leading and trailing spaces kept: the path is the rest of the line, never padded
      ['/dev/shm', { totalBytes: 25276182528, usedBytes: 0, availableBytes: 25276182528 }],
    ]);
  });

  it('maps df lines by order when every operand has one, even printed otherwise; unmatched lines count for none', () => {
    const out = '   1B-blocks Used Avail File\n10 4 6 /a\n20 5 15 /b?escaped\n';
    expect(parseDf(out, ['/a', '/b\u00e9']).bytes.get('/b\u00e9')).toEqual({
      totalBytes: 20,
      usedBytes: 5,
      availableBytes: 15,
    });
    // Fewer lines than operands: only lines naming an operand (in order) count.
    const some = parseDf('1B-blocks Used Avail File\n20 5 15 /other\n30 1 29 /c\n', ['/a', '/b', '/c']).bytes;
    expect([...some.keys()]).toEqual(['/c']);
    // A path that looks like figures cannot shift them: the first three numbers are the figures.
    expect(parseDf('1B-blocks Used Avail File\n1 2 3 4 5 6\n', ['4 5 6', '/x']).bytes.get('4 5 6')).toEqual({
      totalBytes: 1,
      usedBytes: 2,
      availableBytes: 3,
    });
  });

  it('refuses df output of another shape', () => {
    expect(parseDf('Filesystem 1K-blocks Used\n/dev/x 1 2\n', ['/x']).rejected).toHaveLength(2);
    expect(parseDf('   1B-blocks        Used       Avail File\n1 2 x /x\n', ['/x']).rejected).toEqual(['1 2 x /x']);
    expect(parseDf('1 2 3 /x\n', ['/x']).rejected).toEqual(['1 2 3 /x']); // no header
    expect(parseDf('', ['/x'])).toEqual({ bytes: new Map(), rejected: [] }); // all missing: df printed nothing
  });

  it('reads du -lsB1 per folder; a missing folder is absent, a nested one counted whole (recorded, and hostile)', () => {
    const step = `${CKPT}/global_step100`;
    const folders = [step, '/tmp/tbdisk/missing/global_step1', '/tmp/tbdisk/nested', '/tmp/tbdisk/nested/global_step5'];
    const { bytes, rejected } = parseDu(fixture('du-many.txt'), folders);
    expect(rejected).toEqual([]);
    expect([...bytes]).toEqual([
      [step, 307200],
      ['/tmp/tbdisk/nested', 110592],
      ['/tmp/tbdisk/nested/global_step5', 106496],
    ]);
    expect(parseDu(fixture('du-bytes.txt'), ['/tmp/cfdu/we ird']).bytes.get('/tmp/cfdu/we ird')).toBe(106496);
    // A line is one folder: a path naming another operand after a tab cannot be produced (tabs are refused).
    expect(parseDu('4096\t/ckpt/a\n', ['/ckpt/b', '/ckpt/c']).bytes.size).toBe(0);
    expect(parseDu('du: cannot access x\n', ['/x']).rejected).toEqual(['du: cannot access x']);
  });

  it('hostile paths stay words after --; control characters are refused; operands are bounded', () => {
    const hostile = "/scratch/$(touch /tmp/pwn)/`id`/'; rm -rf ~ #/-rf";
    expect(buildDfArgv([hostile, '-rf'])).toEqual(['df', '-B1', '--output=size,used,avail,file', '--', hostile, '-rf']);
    expect(buildDuArgv(['-rf'])).toEqual(['du', '-lsB1', '--', '-rf']);
    expect(shellCommand(buildDuArgv([hostile, 'a b']))).toBe(
      `du -lsB1 -- '/scratch/$(touch /tmp/pwn)/\`id\`/'\\''; rm -rf ~ #/-rf' 'a b'`,
    );
    for (const bad of ['', 'a\nb', 'a\0b', 'a\tb', 'a\rb', 'x'.repeat(4097)])
      expect(() => buildDfArgv(['/ok', bad])).toThrow(InvalidClusterQueryError);
    expect(() => buildDfArgv([])).toThrow(InvalidClusterQueryError);
    expect(buildDuArgv(Array.from({ length: MAX_DISK_OPERANDS }, (_, i) => `/f${i}`))).toHaveLength(3 + 64);
    expect(() => buildDuArgv(Array.from({ length: MAX_DISK_OPERANDS + 1 }, (_, i) => `/f${i}`))).toThrow(
      InvalidClusterQueryError,
    );
    expect(chunked([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

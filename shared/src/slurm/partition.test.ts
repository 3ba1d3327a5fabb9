// The partition, reservation and disk parsers, against output recorded from the dev cluster (Slurm 22.05.8, GNU
// coreutils df/du) and hostile input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildDfArgv,
  buildDuArgv,
  buildPartitionArgv,
  buildPartitionNodesArgv,
  InvalidClusterQueryError,
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

describe('df and du', () => {
  it('reads df -B1 --output=size,used,avail (recorded)', () => {
    expect(parseDf(fixture('df-bytes.txt'))).toEqual({
      totalBytes: 270553174016,
      usedBytes: 25445216256,
      availableBytes: 83499077632,
    });
    expect(parseDf('Filesystem 1K-blocks Used\n/dev/x 1 2\n')).toBeNull();
    expect(parseDf('   1B-blocks        Used       Avail\n1 2 x\n')).toBeNull();
  });

  it('reads du -sB1 by its leading count only, whatever the path holds (recorded, and hostile)', () => {
    expect(parseDu(fixture('du-bytes.txt'))).toBe(106496);
    expect(parseDu('4096\t/ckpt/a\tb\n9999999\tfake\n')).toBe(4096);
    expect(parseDu('du: cannot access')).toBeNull();
  });

  it('hostile paths stay one word after --; control characters are refused', () => {
    const hostile = "/scratch/$(touch /tmp/pwn)/`id`/'; rm -rf ~ #/-rf";
    expect(buildDfArgv(hostile)).toEqual(['df', '-B1', '--output=size,used,avail', '--', hostile]);
    expect(buildDuArgv('-rf')).toEqual(['du', '-sB1', '--', '-rf']);
    expect(shellCommand(buildDuArgv(hostile))).toBe(
      `du -sB1 -- '/scratch/$(touch /tmp/pwn)/\`id\`/'\\''; rm -rf ~ #/-rf'`,
    );
    for (const bad of ['', 'a\nb', 'a\0b', 'a\tb', 'x'.repeat(4097)])
      expect(() => buildDfArgv(bad)).toThrow(InvalidClusterQueryError);
  });
});

import { describe, expect, it } from 'vitest';
import { GPU_PROBE_SCRIPT, NVIDIA_SMI_FIELDS, parseGpuProbe, summarizeGpuProbe } from './nvidiaSmi.js';
import { slowGpuReasons } from './slowGpu.js';

// The shape `srun --label` printed on the dev cluster for a 2-node job (fake nvidia-smi; values edited), interleaved as srun delivers it.
const TWO_NODES = [
  '1: node=c2',
  '0: node=c1',
  '0: 0, NVIDIA A100-SXM4-80GB, 97, 71234, 81920, 61, 312.45, 1410',
  '1: 0, NVIDIA A100-SXM4-80GB, 96, 70120, 81920, 63, 305.10, 1410',
  '0: 1, NVIDIA A100-SXM4-80GB, 98, 71500, 81920, 88, 401.00, 915',
  '1: exit=0',
  '0: exit=0',
].join('\n');

describe('parseGpuProbe()', () => {
  it('groups labelled rows by task and names each task by its node header', () => {
    const { hosts, skipped } = parseGpuProbe(TWO_NODES);
    expect(skipped).toEqual([]);
    expect(hosts.map((h) => [h.task, h.node, h.gpus.length, h.exitCode])).toEqual([
      ['1', 'c2', 1, 0],
      ['0', 'c1', 2, 0],
    ]);
    expect(hosts[1]?.gpus[1]).toEqual({
      index: 1,
      name: 'NVIDIA A100-SXM4-80GB',
      utilPct: 98,
      memUsedMb: 71500,
      memTotalMb: 81920,
      temperatureC: 88,
      powerW: 401,
      smClockMhz: 915,
      maxSmClockMhz: null,
      slow: null,
    });
  });

  it('reads unlabelled output (a local run) as one host', () => {
    const { hosts } = parseGpuProbe('node=laptop\n0, NVIDIA GeForce RTX 4090, 3, 512, 24564, 41, 21.5, 210\nexit=0\n');
    expect(hosts).toHaveLength(1);
    expect(hosts[0]).toMatchObject({ task: '', node: 'laptop', exitCode: 0 });
    expect(hosts[0]?.gpus[0]?.smClockMhz).toBe(210);
  });

  it('reads the max SM clock when the row has it (F7: "600 of 1410 MHz")', () => {
    const { hosts } = parseGpuProbe('0: node=c1\n0: 0, A100, 100, 62000, 81920, 89, 250.00, 600, 1410\n0: exit=0');
    expect(hosts[0]?.gpus[0]).toMatchObject({ smClockMhz: 600, maxSmClockMhz: 1410, temperatureC: 89 });
  });

  it('turns [N/A] and [Not Supported] into null, keeping the rest of the row', () => {
    const { hosts, skipped } = parseGpuProbe(
      '0: node=c1\n0: 0, Tesla V100-SXM2-32GB, 91, 30000, 32510, 70, [N/A], [Not Supported]\r\n0: exit=0',
    );
    expect(skipped).toEqual([]);
    expect(hosts[0]?.gpus[0]).toMatchObject({ utilPct: 91, powerW: null, smClockMhz: null });
  });

  it('skips bad rows with a reason and keeps the good rows of the same node', () => {
    const text = [
      '0: node=c1',
      '0: 0, A100, 97, 71234, 81920, 61, 312.45, 1410',
      '0: 1, A100, 97, 71234, 81920', // cut short
      '0: x, A100, 97, 71234, 81920, 61, 312.45, 1410', // no index
      '0: 2, A100, ninety, 71234, 81920, 61, 312.45, 1410', // not a number
      '0: node=$(reboot)', // a header that is not a host name
      '0: exit=0',
    ].join('\n');
    const { hosts, skipped } = parseGpuProbe(text);
    expect(hosts[0]?.gpus.map((g) => g.index)).toEqual([0]);
    expect(hosts[0]?.node).toBe('c1');
    expect(skipped.map((s) => s.reason)).toEqual([
      'expected 9 fields, got 5',
      'GPU index "x" is not a number',
      'utilization.gpu "ninety" is not a number',
      'node name is not a valid host name',
    ]);
  });

  it('never throws on arbitrary input', () => {
    for (const junk of [
      '',
      '\n\n',
      ':::',
      '0:',
      '99999999999999999999: ,,,,,,,',
      '\u0000\uffff, ,',
      'exit=',
      'node=',
    ]) {
      expect(() => parseGpuProbe(junk)).not.toThrow();
    }
  });
});

describe('summarizeGpuProbe()', () => {
  it('says nvidia-smi is missing, once for all nodes', () => {
    const parse = parseGpuProbe(
      '0: node=c1\n1: node=c2\n0: /usr/bin/sh: 1: nvidia-smi: not found\n0: exit=127\n1: /usr/bin/sh: 1: nvidia-smi: not found\n1: exit=127',
    );
    expect(summarizeGpuProbe(parse)).toEqual({ state: 'unavailable', reason: 'nvidia-smi not found on c1, c2' });
  });

  it('passes on the driver message when nvidia-smi fails', () => {
    const parse = parseGpuProbe(
      "node=g1\nNVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\nexit=9",
    );
    expect(summarizeGpuProbe(parse)).toEqual({
      state: 'unavailable',
      reason: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. on g1",
    });
  });

  it('is ok when one node answered, and names the silent ones', () => {
    const parse = parseGpuProbe(`${TWO_NODES}\n2: node=c3\n2: exit=4`);
    expect(summarizeGpuProbe(parse)).toEqual({ state: 'ok', reason: 'c3: nvidia-smi exited with 4' });
  });

  it('is unavailable when the step printed nothing', () => {
    expect(summarizeGpuProbe(parseGpuProbe(''))).toEqual({ state: 'unavailable', reason: 'the probe printed nothing' });
  });
});

describe('GPU_PROBE_SCRIPT', () => {
  it('queries exactly the fields the parser reads', () => {
    expect(GPU_PROBE_SCRIPT).toContain(`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')} `);
    expect(GPU_PROBE_SCRIPT).toContain('--format=csv,noheader,nounits');
  });
});

describe('slowGpuReasons()', () => {
  const gpu = (smClockMhz: number | null, utilPct: number | null = 97) => ({ smClockMhz, utilPct });

  it('flags the GPU whose SM clock is below 90% of the median of its siblings', () => {
    const reasons = slowGpuReasons([gpu(1410), gpu(1410), gpu(915), gpu(1395), gpu(1410)]);
    expect(reasons.map((r) => r !== null)).toEqual([false, false, true, false, false]);
    expect(reasons[2]).toBe("SM clock 915 MHz < 90% of the job's median 1410 MHz");
  });

  it('keeps a GPU just above the threshold, and ignores unknown clocks', () => {
    expect(slowGpuReasons([gpu(1410), gpu(1410), gpu(1270), gpu(null)])).toEqual([null, null, null, null]);
  });

  it('flags a GPU idling while its busy siblings work', () => {
    expect(slowGpuReasons([gpu(1410, 98), gpu(1410, 97), gpu(1410, 30)])[2]).toBe(
      "utilisation 30% < 50% of the job's median 97%",
    );
  });

  it('judges nothing with fewer than 3 GPUs or an idle job', () => {
    expect(slowGpuReasons([gpu(1410), gpu(600)])).toEqual([null, null]);
    expect(slowGpuReasons([gpu(1410, 0), gpu(1410, 0), gpu(1410, 0)])).toEqual([null, null, null]);
  });
});

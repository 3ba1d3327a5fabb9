import { describe, expect, it } from 'vitest';
import { buildSbatchArgv, InvalidSubmitSpecError, validateJobIds, validateSubmitSpec } from './submit.js';

const script = '#!/bin/bash\necho hi\n';

describe('buildSbatchArgv', () => {
  it('builds --opt=value arguments from a full spec', () => {
    expect(
      buildSbatchArgv({
        script,
        name: 'tr11-176B-ml',
        partition: 'gpu_p5',
        account: 'six@a100',
        nodes: 48,
        ntasksPerNode: 1,
        gpusPerNode: 8,
        timeLimit: '100:00:00',
        array: '1-10%1',
        dependency: 'afterok:123_4',
        exclude: 'jean-zay-iam[34-35]',
        output: '%x-%j.out',
        chdir: '/path with space/$(not run)',
        requeue: false,
        openMode: 'append',
      }),
    ).toEqual([
      'sbatch',
      '--parsable',
      '--job-name=tr11-176B-ml',
      '--partition=gpu_p5',
      '--account=six@a100',
      '--nodes=48',
      '--ntasks-per-node=1',
      '--gres=gpu:8',
      '--time=100:00:00',
      '--array=1-10%1',
      '--dependency=afterok:123_4',
      '--exclude=jean-zay-iam[34-35]',
      '--output=%x-%j.out',
      '--chdir=/path with space/$(not run)',
      '--open-mode=append',
      '--no-requeue',
    ]);
  });

  it.each([
    ['name', '; rm -rf ~'],
    ['name', 'a\nb'],
    ['name', '$(id)'],
    ['partition', 'gpu`id`'],
    ['partition', "debug' --wrap 'id"],
    ['exclude', 'c1;touch x'],
    ['exclude', 'c[1-2] c3'],
    ['nodelist', '$(hostname)'],
    ['array', '1-3%1;id'],
    ['dependency', 'afterok:1 --wrap=id'],
    ['timeLimit', '1:00:00\n'],
    ['name', 'ünïcødé'],
  ])('rejects a hostile %s %j with a message naming the field', (field, value) => {
    expect(() => buildSbatchArgv({ script, [field]: value } as never)).toThrow(
      new RegExp(`^invalid job submission: ${field}: must be`),
    );
  });

  it('rejects control characters in paths, unknown keys and scripts without #!', () => {
    expect(() => validateSubmitSpec({ script, output: 'a\nb' })).toThrow(/output: must not contain control characters/);
    expect(() => validateSubmitSpec({ script, wrap: 'id' })).toThrow(InvalidSubmitSpecError);
    expect(() => validateSubmitSpec({ script: 'echo hi' })).toThrow(/script: must start with a #! line/);
  });

  it('checks job ids', () => {
    expect(validateJobIds(['1', '12_3'])).toEqual(['1', '12_3']);
    expect(() => validateJobIds(['1', '1;id'])).toThrow(/job id "1;id"/);
  });
});

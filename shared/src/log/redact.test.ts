import { describe, expect, it } from 'vitest';
import { MASK, maskSecrets } from './redact.js';

const HF = 'hf_' + 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
const WANDB = '0123456789abcdef0123456789abcdef01234567';
const AWS_ID = 'AKIA' + 'IOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const GCP = 'ya29.' + 'a0AfH6SMBx-secret_part_1234567890';
const GHP = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const GHPAT = 'github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz';

const SECRETS: [string, string, string][] = [
  ['Hugging Face token', `HF_HUB_TOKEN is ${HF} now`, HF],
  ['HF_TOKEN= env', `HF_TOKEN=${HF}`, HF],
  ['W&B key in env', `WANDB_API_KEY=${WANDB}`, WANDB],
  ['W&B key in export', `export WANDB_API_KEY="${WANDB}"`, WANDB],
  ['wandb login', `+ wandb login ${WANDB}`, WANDB],
  ['AWS access key id', `aws id ${AWS_ID} loaded`, AWS_ID],
  ['AWS secret', `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`, AWS_SECRET],
  ['AWS secret lower-case config', `aws_secret_access_key = ${AWS_SECRET}`, AWS_SECRET],
  ['GCP oauth token', `gcloud token ${GCP}`, GCP],
  ['GitHub classic token', `cloning with ${GHP}`, GHP],
  ['GitHub fine-grained token', `GH=${GHPAT}`, GHPAT],
  ['Bearer header', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'eyJhbGciOiJIUzI1NiJ9.payload.sig'],
  ['password=', 'db connect --password=hunter2hunter2 --verbose', 'hunter2hunter2'],
  ['passwd:', 'passwd: s3cr3t!', 's3cr3t!'],
  ['token=', 'url?token=abcdef123456&x=1', 'abcdef123456'],
  ['secret=', 'client secret=topsecretvalue', 'topsecretvalue'],
  ['api_key=', 'api_key=K3Y-VALUE-123', 'K3Y-VALUE-123'],
  ['JSON password', '{"password": "jsonpass123", "user": "x"}', 'jsonpass123'],
  ['URL credentials', 'git clone https://bob:pa55word@git.example.org/x.git', 'pa55word'],
];

describe('maskSecrets', () => {
  it.each(SECRETS)('masks %s', (_name, line, secret) => {
    const { text, masked } = maskSecrets(line);
    expect(masked).toBe(true);
    expect(text).not.toContain(secret);
    expect(text).toContain(MASK);
  });

  it('keeps the kind prefix so a reader knows what was there', () => {
    expect(maskSecrets(`x ${HF}`).text).toBe(`x hf_${MASK}`);
    expect(maskSecrets(`x ${AWS_ID}`).text).toBe(`x AKIA${MASK}`);
  });

  it.each([
    ' iteration      100/  200000 | consumed samples:         6400 | elapsed time per iteration (ms): 1234.5 | learning rate: 6.000E-05 | global batch size:    64 | lm loss: 6.812345E+00 | loss scale: 4096.0 |',
    'number of tokens: 2048',
    'tokens per second: 123456',
    'max_tokens=4096 seq_length=2048',
    '> building GPT2BPETokenizer tokenizer ...',
    'saved checkpoint at iteration 1000 to /scratch/ckpt',
  ])('leaves ordinary training output alone: %s', (line) => {
    expect(maskSecrets(line)).toEqual({ text: line, masked: false });
  });
});

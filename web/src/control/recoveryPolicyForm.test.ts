import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { DEFAULT_RECOVERY_POLICY, type RecoveryPolicyDto } from '@trainboard/shared/control/recoveryPolicy';
import { RecoveryPolicyFields, RecoveryPolicySummary } from './RecoveryPolicySection.js';
import { checkForm, formOf, ifMatchOf, usageText } from './recoveryPolicyForm.js';

const dto = (over: Partial<RecoveryPolicyDto> = {}): RecoveryPolicyDto => ({
  runId: 3,
  policy: DEFAULT_RECOVERY_POLICY,
  restartsInWindow: 1,
  nextRestartNotBeforeMs: null,
  updatedAt: null,
  updatedBy: null,
  ...over,
});

describe('the recovery policy form', () => {
  it('round-trips the policy and sends what the server accepts', () => {
    expect(checkForm(formOf(DEFAULT_RECOVERY_POLICY))).toEqual({ ok: true, body: DEFAULT_RECOVERY_POLICY });
    const edited = { ...formOf(DEFAULT_RECOVERY_POLICY), maxRestartsPerWindow: ' 5 ', windowHours: '1.5' };
    expect(checkForm(edited)).toEqual({
      ok: true,
      body: { ...DEFAULT_RECOVERY_POLICY, maxRestartsPerWindow: 5, windowHours: 1.5 },
    });
  });

  it('names each number field it would refuse, in words', () => {
    const bad = checkForm({
      ...formOf(DEFAULT_RECOVERY_POLICY),
      backoffBaseSeconds: '',
      maxRestartsPerWindow: '2.5',
      windowHours: '0',
    });
    expect(bad).toEqual({
      ok: false,
      errors: {
        backoffBaseSeconds: 'A whole number of seconds from 0 to 3600.',
        maxRestartsPerWindow: 'A whole number of restarts from 0 to 100.',
        windowHours: 'A number of hours from 0.1 to 336.',
      },
    });
    const order = checkForm({ ...formOf(DEFAULT_RECOVERY_POLICY), backoffBaseSeconds: '600', backoffMaxSeconds: '60' });
    expect(order).toEqual({ ok: false, errors: { backoffMaxSeconds: 'At least as long as the first wait.' } });
  });

  it('says how much of the window is used and when the next restart may happen', () => {
    expect(usageText(dto())).toBe('1 of 3 automatic restarts used in the last 6 h');
    expect(usageText(dto({ restartsInWindow: 3, nextRestartNotBeforeMs: 5 }), () => '14:05')).toBe(
      '3 of 3 automatic restarts used in the last 6 h, next not before 14:05',
    );
    expect(usageText(dto({ policy: { ...DEFAULT_RECOVERY_POLICY, enabled: false } }))).toContain('off');
    expect(ifMatchOf(dto())).toBe('"none"');
    expect(ifMatchOf(dto({ updatedAt: 1234 }))).toBe('"1234"');
  });
});

describe('the recovery policy on the run page', () => {
  const summary = (canOperate: boolean) =>
    renderToStaticMarkup(
      createElement(RecoveryPolicySummary, { dto: dto({ updatedBy: 'alice' }), canOperate, onEdit: () => {} }),
    );

  it('shows viewers the settings read-only, without the edit button', () => {
    const html = summary(false);
    expect(html).toContain('1 of 3 automatic restarts used in the last 6 h');
    expect(html).toContain('Exclude suspect nodes: <strong>on</strong>');
    expect(html).toContain('First restart waits: <strong>30 seconds</strong>');
    expect(html).not.toContain('<input');
    expect(html).not.toContain('Edit recovery policy');
    expect(summary(true)).toContain('Edit recovery policy…');
  });

  it('labels every input with its unit, and ties each error to its field', () => {
    const html = renderToStaticMarkup(
      createElement(RecoveryPolicyFields, {
        form: { ...formOf(DEFAULT_RECOVERY_POLICY), enabled: false },
        errors: { windowHours: 'A number of hours from 0.1 to 336.' },
        edit: () => {},
      }),
    );
    for (const key of ['backoffBaseSeconds', 'backoffMaxSeconds', 'maxRestartsPerWindow', 'windowHours'])
      expect(html).toContain(`<label for="rp-${key}">`);
    expect(html).toMatch(/id="rp-windowHours"[^>]*aria-invalid="true"[^>]*aria-describedby="rp-windowHours-error"/);
    expect(html).toContain('<span class="error" role="alert" id="rp-windowHours-error"> A number of hours');
    expect(html).toContain('<span>hours</span>');
    // With automatic recovery off, the per-kind toggles are disabled (their values are kept).
    expect(html.match(/type="checkbox"[^>]*disabled=""/g)).toHaveLength(5);
  });
});

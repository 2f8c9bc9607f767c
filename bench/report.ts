// The summary `npm run bench` prints when it is done: how long each suite took, every goal and
// whether this run met it, and the time of the whole run.
import type { Goal } from './harness.js';

export interface SuiteOutcome {
  readonly name: string;
  readonly seconds: number;
  readonly goals: readonly Goal[];
}

/** `1 min 05 s`, `42 s`. */
export function duration(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

export function summary(outcomes: readonly SuiteOutcome[], totalSeconds: number): string {
  const lines: string[] = [];
  for (const outcome of outcomes) {
    lines.push(`${outcome.name} (${duration(outcome.seconds)})`);
    for (const goal of outcome.goals) {
      lines.push(`  ${goal.met ? 'met   ' : 'MISSED'} ${goal.description}: ${goal.measured}`);
    }
  }
  const goals = outcomes.flatMap((o) => o.goals);
  const met = goals.filter((g) => g.met).length;
  lines.push('');
  lines.push(
    `${outcomes.length} suite${outcomes.length === 1 ? '' : 's'} in ${duration(totalSeconds)}; ` +
      `${met} of ${goals.length} goals met`,
  );
  return lines.join('\n');
}

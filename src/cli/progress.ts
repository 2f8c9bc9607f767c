/** A one-line progress bar on a terminal; silent when standard error is not one. */
export class ProgressBar {
  private lastDrawn = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly enabled: boolean,
    private readonly total: number,
  ) {}

  update(done: number, label: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDrawn < 100 && done < this.total) return;
    this.lastDrawn = now;
    const fraction = this.total === 0 ? 1 : Math.min(done / this.total, 1);
    const width = 30;
    const filled = Math.round(fraction * width);
    this.write(
      `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${label.padEnd(24)}`,
    );
  }

  finish(): void {
    if (this.enabled) this.write('\n');
  }
}

/** "2026-01-01 09:30 UTC": one unambiguous form for every time a page shows. */
export function formatTime(iso: string | number | null): string {
  if (iso === null) return 'never';
  const date = new Date(iso);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "ABCD EFGH IJKL …": a key is read more easily in groups of four. */
export function groupInFours(key: string): string {
  return key.replace(/(.{4})(?=.)/g, '$1 ');
}

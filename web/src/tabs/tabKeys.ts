// The WAI-ARIA tabs keyboard model, pure: which tab a key moves to in a horizontal tablist (wrapping at both ends).

/** The index of the tab `key` selects from `current` among `count` tabs; null when the key is not a tab key. */
export function tabIndexForKey(key: string, current: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowRight':
      return (current + 1) % count;
    case 'ArrowLeft':
      return (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

// Mounts a list a few items per frame: the first chart (the loss, what a visitor looks at first) is drawn before
// the six others are laid out, instead of all seven in one long task. Counting starts once `ready` (the series have
// arrived): counted from the page's mount, every chart would already be mounted when the data comes.
import { useEffect, useState } from 'react';

export function useProgressiveCount(total: number, ready = true, first = 1): number {
  const [count, setCount] = useState(Math.min(first, total));
  useEffect(() => {
    if (!ready || count >= total) return;
    const timer = setTimeout(() => setCount((c) => Math.min(c + 1, total)), 16);
    return () => clearTimeout(timer);
  }, [count, total, ready]);
  return count;
}

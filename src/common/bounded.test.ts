import { LruMap } from './bounded';

it('holds at most max entries and drops the least recently used, counting reads as uses', () => {
  const map = new LruMap<string, number>(2);
  map.set('a', 1).set('b', 2);
  expect(map.get('a')).toBe(1); // a is now the most recently used
  map.set('c', 3); // drops b
  expect([map.has('a'), map.has('b'), map.has('c'), map.size]).toEqual([true, false, true, 2]);
  map.set('a', 10); // replacing keeps the size
  map.set('d', 4); // drops c, the least recently used
  expect([map.get('a'), map.get('c'), map.get('d'), map.size]).toEqual([10, undefined, 4, 2]);
});

import { LazyConnection, LazyEdge } from './page';

describe('LazyConnection', () => {
  const pageInfo = { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null };

  it('counts on the first read of totalCount only, and once however often it is read', async () => {
    let counts = 0;
    const page = new LazyConnection([new LazyEdge({ id: 'a' }, () => 'c1')], pageInfo, async () => ++counts * 10);
    expect(counts).toBe(0);
    expect(page.edges.map((e) => e.node.id)).toEqual(['a']);
    expect(counts).toBe(0);
    const [first, second] = [page.totalCount, page.totalCount];
    expect(await first).toBe(10);
    expect(await second).toBe(10);
    expect(counts).toBe(1);
  });

  it('keeps totalCount on its class, not on each page (a per-object accessor made V8 keep every page alive through young collections)', () => {
    const page = new LazyConnection([], pageInfo, async () => 0);
    expect(Object.getOwnPropertyDescriptor(page, 'totalCount')).toBeUndefined();
    expect(typeof Object.getOwnPropertyDescriptor(LazyConnection.prototype, 'totalCount')?.get).toBe('function');
  });
});

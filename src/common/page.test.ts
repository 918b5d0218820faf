import { LazyConnection, LazyEdge } from './page';

describe('LazyConnection', () => {
  it('counts on the first read of totalCount only, and once however often it is read', async () => {
    let counts = 0;
    const page = new LazyConnection([new LazyEdge({ id: 'a' }, () => 'c1'), new LazyEdge({ id: 'b' }, () => 'c2')], true, async () => ++counts * 10);
    expect(counts).toBe(0);
    expect(page.edges.map((e) => e.node.id)).toEqual(['a', 'b']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: 'c1', endCursor: 'c2' });
    expect(counts).toBe(0);
    const [first, second] = [page.totalCount, page.totalCount];
    expect(await first).toBe(10);
    expect(await second).toBe(10);
    expect(counts).toBe(1);
  });

  it('keeps totalCount on its class, not on each page (a per-object accessor made V8 keep every page alive through young collections)', () => {
    const page = new LazyConnection([], false, async () => 0);
    expect(page.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
    expect(Object.getOwnPropertyDescriptor(page, 'totalCount')).toBeUndefined();
    expect(typeof Object.getOwnPropertyDescriptor(LazyConnection.prototype, 'totalCount')?.get).toBe('function');
  });
});

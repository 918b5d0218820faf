import { clearLoaders, createContext, defineLoader, RequestDataLoader, type Context } from './context';
import { loadConfig } from './config';

/** RequestLoader.peek: what resolvers read synchronously must be exactly what the loader holds. */
describe('defineLoader peek', () => {
  const batches: string[][] = [];
  const squares = defineLoader(
    () =>
      new RequestDataLoader<string, number | null>(async (keys) => {
        batches.push([...keys]);
        return keys.map((k) => (k === 'none' ? null : Number(k) ** 2));
      }),
    (loader) => loader.prime('primed-at-start', 7),
  );
  const context = (): Context => createContext({ db: undefined as never, config: loadConfig({}) });

  it('knows nothing before a load settles, then the settled value, null included', async () => {
    const ctx = context();
    expect(squares.peek(ctx, '3')).toBeUndefined();
    const pending = squares(ctx).load('3');
    expect(squares.peek(ctx, '3')).toBeUndefined();
    expect(await pending).toBe(9);
    expect(squares.peek(ctx, '3')).toBe(9);
    expect(await squares(ctx).load('none')).toBeNull();
    expect(squares.peek(ctx, 'none')).toBeNull();
  });

  it('knows primed values (init included) at once, and forgets cleared ones', async () => {
    const ctx = context();
    expect(squares.peek(ctx, 'primed-at-start')).toBe(7);
    squares(ctx).prime('4', 16);
    expect(squares.peek(ctx, '4')).toBe(16);
    squares(ctx).clear('4');
    expect(squares.peek(ctx, '4')).toBeUndefined();
    squares(ctx).prime('5', 25);
    squares(ctx).clearAll();
    expect(squares.peek(ctx, '5')).toBeUndefined();
    batches.length = 0;
    expect(await squares(ctx).load('5')).toBe(25);
    expect(batches).toEqual([['5']]);
  });

  it('starts afresh after clearLoaders (a mutation), and per request', async () => {
    const ctx = context();
    await squares(ctx).load('6');
    clearLoaders(ctx);
    expect(squares.peek(ctx, '6')).toBeUndefined();
    await squares(ctx).load('6');
    expect(squares.peek(context(), '6')).toBeUndefined();
  });

  it('does not take a primed error for a value', () => {
    const ctx = context();
    squares(ctx).prime('8', new Error('no'));
    expect(squares.peek(ctx, '8')).toBeUndefined();
  });
});

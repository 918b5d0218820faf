import { currentParams, DEFAULT_LOG_N, hashPassword, needsRehash, verifyPassword } from './passwords';

/** The production parameters, which the rest of the suite lowers with PASSWORD_HASH_COST to stay fast. */
describe('password hashing parameters', () => {
  const saved = process.env.PASSWORD_HASH_COST;
  afterEach(() => {
    process.env.PASSWORD_HASH_COST = saved;
  });

  it("default to OWASP's scrypt floor, N=2^17, r=8, p=1, which fits scrypt's memory bound", async () => {
    delete process.env.PASSWORD_HASH_COST;
    expect(DEFAULT_LOG_N).toBe(17);
    expect(currentParams()).toEqual({ logN: 17, r: 8, p: 1 });
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
    expect(needsRehash('scrypt$15$eX4hXqF7Khasq6R25r1esA==$No0P2KC+Z48hRCwRiuUITnSt5n9QMnh4Sp98ULVndzA=')).toBe(true);
  });

  it('refuse a PASSWORD_HASH_COST that is not a sane log2(N)', () => {
    for (const bad of ['0', '-3', '1.5', 'x', '40']) {
      process.env.PASSWORD_HASH_COST = bad;
      expect(() => currentParams()).toThrow(/PASSWORD_HASH_COST/);
    }
  });

  it('answer false, never throw, for a stored hash that cannot be read', async () => {
    for (const stored of ['', 'plain', 'scrypt$$$', '$scrypt$ln=99,r=8,p=1$AAAA$AAAA', 'bcrypt$10$x$y']) {
      expect(await verifyPassword('whatever', stored)).toBe(false);
    }
  });
});

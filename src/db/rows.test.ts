import { isObjectType } from 'graphql';
import { Account } from '../account/account.entity';
import { Invitation } from '../invitation/invitation.entity';
import { buildBareSchema } from '../schema';
import { clonedDataSource } from '../test/harness';
import { hydrate, PUBLIC_ACCOUNT_COLUMNS } from './rows';

const fx = clonedDataSource();

it('reads every account column a User field shows on the public paths (people page, owners, members)', async () => {
  const user = (await buildBareSchema()).getType('User');
  if (!isObjectType(user)) throw new Error('no User type');
  const columns = new Map(fx.db.getMetadata(Account).columns.map((c) => [c.propertyName, c.databaseName]));
  const shown = Object.keys(user.getFields())
    .filter((field) => columns.has(field))
    .map((field) => columns.get(field));
  expect(shown.length).toBeGreaterThan(3);
  // A new User field over an account column must be added to PUBLIC_ACCOUNT_COLUMNS, or it reads null there.
  expect(PUBLIC_ACCOUNT_COLUMNS).toEqual(expect.arrayContaining(shown));
});

it('hydrates an entity from prefixed row columns or a JSON object, as TypeORM would build it', () => {
  const at = new Date('2026-11-23T07:00:00.123Z');
  const fromRow = hydrate(fx.db, Account, { a__id: 'x', a__name: 'Ann', a__created_at: at, a__job_title: null }, 'a__');
  expect(fromRow).toBeInstanceOf(Account);
  // Columns the row does not carry are null, never undefined or another row's.
  expect(fromRow).toMatchObject({ id: 'x', name: 'Ann', createdAt: at, jobTitle: null, email: null, passwordHash: null });
  expect(hydrate(fx.db, Account, { id: 'y' }).name).toBeNull();
  // jsonColumns objects: timestamps as text, bytea as \x hex.
  const invitation = hydrate(fx.db, Invitation, { id: 'i', expires_at: '2026-11-23T07:00:00.123+00:00', token_hash: '\\x00ff10', sent_count: 2 });
  expect(invitation).toBeInstanceOf(Invitation);
  expect(invitation.expiresAt).toEqual(at);
  expect(invitation.tokenHash).toEqual(Buffer.from([0, 255, 16]));
  expect(invitation.sentCount).toBe(2);
  expect(hydrate(fx.db, Invitation, { token_hash: Buffer.from([1]) }).tokenHash).toEqual(Buffer.from([1]));
});

import { isObjectType } from 'graphql';
import { Account } from '../account/account.entity';
import { buildBareSchema } from '../schema';
import { cloneTemplateDatabase } from '../test/harness';
import { createDataSource } from './data-source';
import { PUBLIC_ACCOUNT_COLUMNS } from './rows';

it('reads every account column a User field shows on the public paths (people page, owners, members)', async () => {
  const clone = await cloneTemplateDatabase();
  const db = createDataSource({ url: clone.url, poolSize: 1 });
  await db.initialize();
  try {
    const user = (await buildBareSchema()).getType('User');
    if (!isObjectType(user)) throw new Error('no User type');
    const columns = new Map(db.getMetadata(Account).columns.map((c) => [c.propertyName, c.databaseName]));
    const shown = Object.keys(user.getFields()).filter((field) => columns.has(field)).map((field) => columns.get(field));
    expect(shown.length).toBeGreaterThan(3);
    // A new User field over an account column must be added to PUBLIC_ACCOUNT_COLUMNS, or it reads null there.
    expect(PUBLIC_ACCOUNT_COLUMNS).toEqual(expect.arrayContaining(shown));
  } finally {
    await db.destroy();
    await clone.drop();
  }
});

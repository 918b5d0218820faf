import fs from 'node:fs';
import path from 'node:path';
import { printAtriumSchema } from './schema';

describe('schema.graphql', () => {
  it('is what the code emits (run `npm run schema:emit` and commit the result when this fails)', async () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printAtriumSchema());
  });
});

import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printAtriumSchema } from '../schema';

/** `npm run schema:emit`: writes schema.graphql from the code. */
printAtriumSchema().then((text) => {
  fs.writeFileSync(path.join(__dirname, '..', '..', 'schema.graphql'), text);
  console.log('wrote schema.graphql');
});

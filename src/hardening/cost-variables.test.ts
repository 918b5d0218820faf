import fc from 'fast-check';
import { TestServer, codeOf, reasonOf, type GqlResult } from '../test/harness';
import { LIMITS } from './limits';

/**
 * The cost limit prices an operation with its variables as graphql-js coerces them: a variable's
 * default counts when the request leaves the variable out, an explicit null means the default
 * page size, and variables the operation does not declare count for nothing. So a page size costs
 * the same whether it is written as a literal, sent as a variable or declared as a default.
 */

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const THREE_LEVELS = (first: [string, string, string]) => {
  const [a, b, c] = first.map((arg) => (arg ? `(${arg})` : ''));
  return `workspaces${a} { edges { node { projects${b} { edges { node { jobs${c} { edges { node { id } } } } } } } } }`;
};
const ISSUE_QUERY = `query($n: Int = 100) { ${THREE_LEVELS(['first: $n', 'first: $n', 'first: $n'])} }`;

const costOf = (result: GqlResult): number | 'accepted' | string => {
  if (!result.errors) return 'accepted';
  if (reasonOf(result) === 'MAX_COST') return result.errors[0].extensions!.cost as number;
  return `${codeOf(result)}: ${result.errors[0].message}`;
};

describe('the cost of variables with defaults', () => {
  it("prices the issue's query at its default page size of 100, with or without variables", async () => {
    const withVariables = await t.gql(ISSUE_QUERY, { n: 100 });
    const withoutVariables = await t.gql(ISSUE_QUERY);
    expect(costOf(withVariables)).toBe(4_030_300);
    expect(costOf(withoutVariables)).toBe(4_030_300);
    // The literal form costs the same.
    expect(costOf(await t.gql(`{ ${THREE_LEVELS(['first: 100', 'first: 100', 'first: 100'])} }`))).toBe(4_030_300);
  });

  it('refuses a query whose defaults are too costly even though default page sizes would pass', async () => {
    const q = 'query($n: Int = 100) { workspaces(first: $n) { edges { node { projects(first: $n) { edges { node { id name } } } } } } }';
    const refused = await t.gql(q);
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(reasonOf(refused)).toBe('MAX_COST');
    expect(refused.errors![0].extensions).toMatchObject({ limit: LIMITS.maxCost });
    // An explicit null is no page size (the default of 20), and a small value is fine.
    expect((await t.gql(q, { n: null })).errors).toBeUndefined();
    expect((await t.gql(q, { n: 5 })).errors).toBeUndefined();
  });

  it('ignores variables the operation does not declare', async () => {
    const q = `{ ${THREE_LEVELS(['', '', ''])} }`;
    expect(costOf(await t.gql(q, { n: 100, first: 100 }))).toBe(costOf(await t.gql(q)));
  });

  it('property: a page size costs the same as a literal, a sent variable or a default', async () => {
    // Per level: a page size (or none) and how it is written.
    const level = fc.record({
      size: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      form: fc.constantFrom('literal', 'variable', 'default', 'defaultOverridden', 'null'),
      other: fc.integer({ min: 0, max: 100 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.tuple(level, level, level), async (levels) => {
        const definitions: string[] = [];
        const variables: Record<string, unknown> = {};
        const args = levels.map(({ size, form, other }, i) => {
          const name = `p${i}`;
          if (size === undefined) {
            // No page size: left out, or a nullable variable that is not sent or sent as null.
            if (form === 'literal') return '';
            definitions.push(`$${name}: Int`);
            if (form === 'null') variables[name] = null;
            return `first: $${name}`;
          }
          switch (form) {
            case 'literal':
              return `first: ${size}`;
            case 'variable':
              definitions.push(`$${name}: Int`);
              variables[name] = size;
              break;
            case 'default':
              definitions.push(`$${name}: Int = ${size}`);
              break;
            case 'defaultOverridden':
              definitions.push(`$${name}: Int = ${other}`);
              variables[name] = size;
              break;
            case 'null':
              definitions.push(`$${name}: Int!`);
              variables[name] = size;
              break;
          }
          return `first: $${name}`;
        }) as [string, string, string];
        const literal = levels.map(({ size }) => (size === undefined ? '' : `first: ${size}`)) as [string, string, string];
        const asWritten = await t.gql(`query${definitions.length ? `(${definitions.join(', ')})` : ''} { ${THREE_LEVELS(args)} }`, variables);
        const asLiterals = await t.gql(`{ ${THREE_LEVELS(literal)} }`);
        expect(costOf(asWritten)).toEqual(costOf(asLiterals));
      }),
      // Each new document is compiled once (graphql-jit), which makes a run cost tens of milliseconds.
      { numRuns: 80 },
    );
  });
});

import { Kind, getIntrospectionQuery, parse, type OperationDefinitionNode } from 'graphql';
import { buildAtriumSchema } from '../schema';
import { TestServer, codeOf, reasonOf, type GqlResult } from '../test/harness';
import { LIMITS, estimateCost } from './limits';
import { W1_QUERY } from '../perf/workloads';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const DASHBOARD = W1_QUERY;

/** `levels` nested workspace → projects → workspace …, one row per page, so only depth grows. */
const nested = (levels: number) => {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `workspace { projects(first: 1) { edges { node { ${inner} } } } }`;
  return `query($id: ID!) { workspace(id: $id) { projects(first: 1) { edges { node { ${inner} } } } } }`;
};

const refused = (result: GqlResult, reason: string) => {
  expect(result.errors).toHaveLength(1);
  expect(codeOf(result)).toBe('BAD_USER_INPUT');
  expect(reasonOf(result)).toBe(reason);
  expect(result.data ?? null).toBeNull();
};

describe('limits a real front end never hits', () => {
  it('serves the dashboard query', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner);
    const data = await t.ok(DASHBOARD, { id: ws.id }, { as: owner });
    expect(data.workspace.name).toBe(ws.name);
    expect(data.workspace.people.edges).toHaveLength(1);
  });

  it('prices the dashboard at about a twentieth of the cost limit', async () => {
    const schema = await buildAtriumSchema();
    const operation = parse(DASHBOARD).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const cost = estimateCost(schema, operation.selectionSet, schema.getQueryType()!, {}, {});
    // workspace 1 + 3 scalars + projects 50 × (1 + edges 7) + people 100 × (1 + edges 6)
    expect(cost).toBe(1 + 3 + 50 * 8 + 100 * 7);
    expect(cost * 20).toBeLessThan(LIMITS.maxCost);
  });

  it('serves the playground introspection query', async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const data = await t.ok(query);
    expect(data.__schema.queryType.name).toBe('Query');
  });

  it('serves a query nested as deep as the limit allows', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner);
    // depth of nested(n) = 5 + 4n fields
    const result = await t.gql(nested(1), { id: ws.id }, { as: owner });
    expect(result.errors).toBeUndefined();
  });
});

describe('refusals name the limit', () => {
  it('MAX_DEPTH', async () => {
    const result = await t.gql(nested(2), { id: '00000000-0000-4000-8000-000000000000' });
    refused(result, 'MAX_DEPTH');
    expect(result.errors![0].message).toMatch(/depth/i);
  });

  it('MAX_DEPTH for an introspection query that nests lists to multiply its size', async () => {
    refused(await t.gql('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }'), 'MAX_DEPTH');
  });

  it('MAX_ALIASES', async () => {
    const aliases = Array.from({ length: LIMITS.maxAliases + 1 }, (_, i) => `a${i}: me { id }`).join(' ');
    refused(await t.gql(`{ ${aliases} }`), 'MAX_ALIASES');
  });

  it('MAX_DIRECTIVES', async () => {
    const fields = Array.from({ length: LIMITS.maxDirectives + 1 }, (_, i) => `t${i}: __typename @include(if: true)`).join(' ');
    refused(await t.gql(`{ ${fields} }`), 'MAX_DIRECTIVES');
  });

  it('MAX_TOKENS', async () => {
    const fields = Array.from({ length: LIMITS.maxTokens }, () => '__typename').join(' ');
    refused(await t.gql(`{ ${fields} }`), 'MAX_TOKENS');
  });

  it('MAX_COST: nested pages multiply, whether `first` is a literal, a variable or the default', async () => {
    const literal = await t.gql('{ workspaces(first: 100) { edges { node { projects(first: 100) { edges { node { id name } } } } } } }');
    refused(literal, 'MAX_COST');
    expect(literal.errors![0].extensions).toMatchObject({ limit: LIMITS.maxCost });
    refused(
      await t.gql('query($n: Int) { workspaces(first: $n) { edges { node { projects(first: $n) { edges { node { id name } } } } } } }', { n: 100 }),
      'MAX_COST',
    );
    // Default pages of 20, three levels deep: 20 × 20 × 20 × …
    refused(await t.gql('{ workspaces { edges { node { projects { edges { node { runs { edges { node { id } } } } } } } } } }'), 'MAX_COST');
    // The same query with small pages is fine.
    const small = await t.gql('query($n: Int) { workspaces(first: $n) { edges { node { projects(first: $n) { edges { node { id name } } } } } } }', { n: 5 });
    expect(small.errors).toBeUndefined();
  });

  it('MAX_COST counts fragments', async () => {
    const query = `
      fragment P on Project { id name runs(first: 100) { edges { node { id } } } }
      fragment W on Workspace { projects(first: 100) { edges { node { ...P } } } }
      { workspaces(first: 10) { edges { node { ...W } } } }`;
    refused(await t.gql(query), 'MAX_COST');
  });

  // Timings are generous (the suite may run on a loaded machine); without the limits these take many seconds.
  it('refuses cheaply: a 5 MB document is refused in about the time it takes to upload', async () => {
    const huge = `{ ${'me { id } '.repeat(500_000)} }`;
    expect(huge.length).toBeGreaterThan(5_000_000);
    const started = Date.now();
    const result = await t.gql(huge);
    refused(result, 'MAX_TOKENS');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('MAX_COST for repeated fields and fragment floods, refused before graphql-js compares them pairwise', async () => {
    const repeats = (n: number) => `{ ${'me { id } '.repeat(n)} }`;
    expect((await t.gql(repeats(LIMITS.maxRepeatedField))).errors).toBeUndefined();
    const started = Date.now();
    refused(await t.gql(repeats(LIMITS.maxRepeatedField + 1)), 'MAX_COST');
    refused(await t.gql(repeats(700)), 'MAX_COST');
    const spreads = Array.from({ length: LIMITS.maxSpreadsPerSelection + 1 }, (_, i) => `...F${i}`).join(' ');
    const defs = Array.from({ length: LIMITS.maxSpreadsPerSelection + 1 }, (_, i) => `fragment F${i} on Query { me { id } }`).join('\n');
    refused(await t.gql(`{ ${spreads} }\n${defs}`), 'MAX_COST');
    const many = Array.from(
      { length: LIMITS.maxFragments + 1 },
      (_, i) => `fragment G${i} on Query { me { id } ${i + 1 <= LIMITS.maxFragments ? `...G${i + 1}` : ''} }`,
    ).join('\n');
    refused(await t.gql(`{ ...G0 }\n${many}`), 'MAX_COST');
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('a document refused for its text is answered from memory the next time (hardening/refusals.ts)', () => {
  const MODERN = { accept: 'application/graphql-response+json' };

  it('answers a repeat exactly as before, per Accept header, without running it through Apollo again', async () => {
    const deep = nested(LIMITS.maxDepth + 2).replace('query(', `query Deep${Date.now()}(`);
    const ws = '00000000-0000-4000-8000-000000000000';
    const stats = t.server.refusals;
    const before = { size: stats.size, hits: stats.hits };
    const first = await t.gql(deep, { id: ws });
    const firstModern = await t.gql(deep, { id: ws }, { headers: MODERN });
    expect({ size: stats.size, hits: stats.hits }).toEqual({ size: before.size + 2, hits: before.hits });
    const again = await t.gql(deep, { id: ws });
    const againModern = await t.gql(deep, { id: ws }, { headers: MODERN });
    expect(stats.hits).toBe(before.hits + 2);
    refused(again, 'MAX_DEPTH');
    expect(again).toEqual(first);
    expect([first.status, againModern.status]).toEqual([200, 400]);
    expect(againModern).toEqual(firstModern);
    // And with the content type each was first sent with.
    const typeOf = async (headers: Record<string, string>) =>
      (
        await fetch(t.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ query: deep, variables: { id: ws } }),
        })
      ).headers.get('content-type');
    expect(await typeOf({})).toMatch(/^application\/json/);
    expect(await typeOf(MODERN)).toMatch(/^application\/graphql-response\+json/);
    // The repetition guard's refusals are remembered too.
    const repeated = `{ ${Array.from({ length: LIMITS.maxRepeatedField + 1 }, () => 'me { id }').join(' ')} }`;
    const guardFirst = await t.gql(repeated);
    expect(await t.gql(repeated)).toEqual(guardFirst);
    expect(stats.hits).toBe(before.hits + 5);
  });

  it("still runs a valid document, and re-prices a costly one with each request's variables", async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner);
    const pages = `query($n: Int) { workspaces(first: $n) { edges { node { projects(first: 100) { edges { node { jobs(first: 10) { edges { node { id } } } } } } } } } }`;
    const hits = t.server.refusals.hits;
    refused(await t.gql(pages, { n: 100 }, { as: owner }), 'MAX_COST');
    expect((await t.gql(pages, { n: 1 }, { as: owner })).errors).toBeUndefined();
    refused(await t.gql(pages, { n: 100 }, { as: owner }), 'MAX_COST');
    expect(t.server.refusals.hits).toBe(hits);
    // Without variables the cost is the text's own, and the refusal is remembered.
    const literal = pages.replace('query($n: Int)', 'query').replace('$n', '100');
    const first = await t.gql(literal, {}, { as: owner });
    refused(first, 'MAX_COST');
    expect(await t.gql(literal, {}, { as: owner })).toEqual(first);
    expect(t.server.refusals.hits).toBe(hits + 1);
    expect((await t.ok(DASHBOARD, { id: ws.id }, { as: owner })).workspace.name).toBe(ws.name);
    expect((await t.ok(DASHBOARD, { id: ws.id }, { as: owner })).workspace.name).toBe(ws.name);
  });
});

describe('schema discovery', () => {
  it('suggests field names in development and test, not in production', async () => {
    const open = await t.gql('{ mee { id } }');
    expect(open.errors![0].message).toMatch(/Did you mean "me"\?/);
    const prod = await TestServer.start({ isProduction: true });
    try {
      const hidden = await prod.gql('{ mee { id } }');
      expect(codeOf(hidden)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(hidden.errors![0].message).toBe('Cannot query field "mee" on type "Query".');
      const enumValue = await prod.gql('{ workspaces(orderBy: { field: NAMEE }) { totalCount } }');
      expect(enumValue.errors![0].message).not.toMatch(/Did you mean/);
    } finally {
      await prod.stop();
    }
  });

  it('allows introspection by default and refuses it with INTROSPECTION=false', async () => {
    expect((await t.ok('{ __schema { queryType { name } } }')).__schema.queryType.name).toBe('Query');
    const closed = await TestServer.start({ introspection: false });
    try {
      const result = await closed.gql('{ __schema { queryType { name } } }');
      expect(codeOf(result)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await closed.ok('{ me { id } }')).me).toBeNull();
    } finally {
      await closed.stop();
    }
  });
});

/** Where code archives are kept: the database (the default), or an S3-compatible bucket. */
export type CodeStorageLocation = { kind: 'postgres' } | S3Location;

export interface S3Location {
  kind: 's3';
  bucket: string;
  /** Key prefix inside the bucket, '' or ending in '/'. */
  prefix: string;
  region: string;
  /** An S3-compatible service (MinIO, Ceph, R2…); unset: AWS itself. */
  endpoint?: string;
  /** Bucket in the path rather than the host name: on by default with an endpoint, as most compatible services need. */
  forcePathStyle: boolean;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PARAMS = new Set(['endpoint', 'region', 'forcePathStyle']);

/**
 * Reads CODE_STORAGE_URL: unset or empty keeps archives in PostgreSQL; `s3://bucket/prefix?
 * endpoint=https://host:9000&region=eu-west-1&forcePathStyle=true` puts them in a bucket.
 * Credentials come from the AWS SDK's usual sources (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
 * a profile, an instance role), never from the URL, so the URL can be logged. Anything else stops
 * the server with a message naming the variable.
 */
export function parseCodeStorageUrl(raw: string | undefined, env: NodeJS.ProcessEnv = {}): CodeStorageLocation {
  const text = raw?.trim();
  if (!text) return { kind: 'postgres' };
  const fail = (why: string): never => {
    throw new Error(`CODE_STORAGE_URL ${why}, got "${text}" (unset keeps code archives in PostgreSQL; e.g. s3://bucket/prefix?region=eu-west-1)`);
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('must be an s3:// URL');
  }
  if (url.protocol !== 's3:') fail('must be an s3:// URL');
  if (url.username || url.password) fail('must not hold credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
  if (url.port) fail('names the bucket, not a host: put the service in ?endpoint=');
  const bucket = url.hostname;
  if (!BUCKET.test(bucket)) fail('must name a bucket (3-63 lowercase letters, digits, dots and hyphens)');
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  if (prefix && !/^[A-Za-z0-9._\-/]+$/.test(prefix)) fail('has a prefix with characters other than letters, digits, ".", "_", "-" and "/"');
  for (const name of url.searchParams.keys()) if (!PARAMS.has(name)) fail(`has an unknown parameter "${name}" (known: ${[...PARAMS].join(', ')})`);
  const endpoint = url.searchParams.get('endpoint') || undefined;
  if (endpoint) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(endpoint);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) fail('has an endpoint that is not an http(s) URL');
  }
  const region = url.searchParams.get('region') || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) fail('has a region that is not a region name');
  const style = url.searchParams.get('forcePathStyle');
  if (style !== null && style !== 'true' && style !== 'false') fail('has forcePathStyle other than true or false');
  return { kind: 's3', bucket, prefix: prefix ? `${prefix}/` : '', region, endpoint, forcePathStyle: style === null ? Boolean(endpoint) : style === 'true' };
}

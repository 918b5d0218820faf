import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { CodeBytes, CodeStorage } from './storage';
import type { S3Location } from './storage-url';

/** S3's smallest multipart part: an upload holds at most this much of an archive in memory. */
const PART_BYTES = 5 * 1024 * 1024;

const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/**
 * Keeps archives as objects `<prefix><key>` in an S3-compatible bucket (CODE_STORAGE_URL=s3://…),
 * for deployments whose archives would make the database large. Uploads are multipart, one part
 * at a time; downloads stream the object's body.
 */
export class S3CodeStorage implements CodeStorage {
  readonly client: S3Client;

  constructor(readonly location: S3Location) {
    this.client = new S3Client({
      region: location.region,
      endpoint: location.endpoint,
      forcePathStyle: location.forcePathStyle,
      // The SDK's default checksums send streamed bodies aws-chunked with a trailing checksum,
      // which several S3-compatible services refuse; with an endpoint, checksums only where S3 requires them.
      ...(location.endpoint ? ({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const) : {}),
    });
  }

  /** The object's name in the bucket. */
  objectKey(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid storage key: ${key}`);
    return `${this.location.prefix}${key}`;
  }

  async put(key: string, data: CodeBytes): Promise<void> {
    const body = Buffer.isBuffer(data) ? data : Readable.from(data);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.location.bucket, Key: this.objectKey(key), Body: body },
      queueSize: 1,
      partSize: PART_BYTES,
    });
    await upload.done();
  }

  async get(key: string): Promise<Readable | null> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      return answer.Body instanceof Readable ? answer.Body : answer.Body ? Readable.from(answer.Body as AsyncIterable<Uint8Array>) : null;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers a delete of a missing object with success, as this interface wants.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
  }
}

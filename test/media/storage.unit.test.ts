import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createStorage, FsStorage, isValidKey, originalKey, parseVariantKey, variantKey, type Storage } from '../../shared/storage/index.js';
import { testConfig } from '../helpers/env.js';
import { startFakeS3, type FakeS3 } from '../fixtures/fake-s3.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

function behaves(name: string, make: () => Promise<{ storage: Storage; cleanup(): Promise<void> }>) {
  describe(`${name} storage`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let tmp: string;

    before(async () => {
      ({ storage, cleanup } = await make());
      tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'storage-src-'));
    });
    after(async () => {
      await cleanup();
      await fsp.rm(tmp, { recursive: true, force: true });
    });

    it('stores a file and a buffer, and reads and streams them back', async () => {
      const src = path.join(tmp, 'in.bin');
      await fsp.writeFile(src, Buffer.from('original bytes'));
      const k1 = originalKey(SHA_A, 'jpg');
      const k2 = variantKey(SHA_A, SHA_B);
      await storage.putFile(k1, src, 'image/jpeg');
      await storage.put(k2, Buffer.from('variant bytes'), 'image/webp');
      expect(await storage.exists(k1)).to.equal(true);
      expect((await storage.read(k1))!.toString()).to.equal('original bytes');
      const opened = (await storage.open(k2))!;
      const chunks: Buffer[] = [];
      for await (const c of opened.body) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).to.equal('variant bytes');
      expect(opened.size).to.equal('variant bytes'.length);
    });

    it('overwrites a key in place (content addressing makes that a no-op)', async () => {
      const k = variantKey(SHA_B, SHA_A);
      await storage.put(k, Buffer.from('one'), 'image/webp');
      await storage.put(k, Buffer.from('one'), 'image/webp');
      expect((await storage.read(k))!.toString()).to.equal('one');
    });

    it('answers null / false for missing keys and ignores deleting them', async () => {
      const k = originalKey(SHA_B, 'png');
      expect(await storage.exists(k)).to.equal(false);
      expect(await storage.read(k)).to.equal(null);
      expect(await storage.open(k)).to.equal(null);
      await storage.delete([k]);
    });

    it('deletes keys', async () => {
      const k = originalKey(SHA_A, 'png');
      await storage.put(k, Buffer.from('x'), 'image/png');
      await storage.delete([k]);
      expect(await storage.exists(k)).to.equal(false);
    });

    it('refuses keys that could escape its root', async () => {
      for (const bad of ['../etc/passwd', 'originals/../../x', '/abs/path', 'a//b', 'a/./b', 'UPPER', '']) {
        let failed = false;
        try {
          await storage.read(bad);
        } catch {
          failed = true;
        }
        expect(failed, bad).to.equal(true);
      }
    });
  });
}

describe('storage keys', () => {
  it('are content-addressed and parse back', () => {
    expect(originalKey(SHA_A, 'jpg')).to.equal(`originals/aa/${SHA_A}.jpg`);
    const v = variantKey(SHA_A, SHA_B);
    expect(v).to.equal(`variants/aa/${SHA_A}/${SHA_B}.webp`);
    expect(parseVariantKey(v)).to.deep.equal({ originalSha256: SHA_A, sha256: SHA_B });
    expect(parseVariantKey(originalKey(SHA_A, 'jpg'))).to.equal(null);
    expect(parseVariantKey(`variants/aa/${SHA_A}/../${SHA_B}.webp`)).to.equal(null);
    expect(isValidKey('a/../b')).to.equal(false);
  });

  it('createStorage picks fs under DATA_DIR/media by default, s3 when configured', () => {
    const fs = createStorage(testConfig({ DATA_DIR: '/tmp/somewhere' }));
    expect(fs).to.be.instanceOf(FsStorage);
    expect((fs as FsStorage).root).to.equal('/tmp/somewhere/media');
    const s3 = createStorage(testConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'b', S3_ENDPOINT: 'http://127.0.0.1:9' }));
    expect(s3.kind).to.equal('s3');
  });
});

behaves('filesystem', async () => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'storage-fs-'));
  return { storage: new FsStorage(root), cleanup: () => fsp.rm(root, { recursive: true, force: true }) };
});

let fake: FakeS3;
behaves('S3 (AWS SDK v3 against an S3-compatible endpoint)', async () => {
  fake = await startFakeS3('photos');
  const storage = createStorage(
    testConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'photos', S3_ENDPOINT: fake.endpoint, S3_ACCESS_KEY_ID: 'test', S3_SECRET_ACCESS_KEY: 'test-secret' }),
  );
  return { storage, cleanup: () => fake.close() };
});

describe('S3 storage requests', () => {
  it('use path-style addressing and carry the content type', async () => {
    const put = fake.requests.find((r) => r.method === 'PUT' && r.path.endsWith('.webp'));
    expect(put?.path).to.match(/^\/photos\/variants\//);
    expect(put?.headers['content-type']).to.equal('image/webp');
    expect(put?.headers.authorization).to.match(/^AWS4-HMAC-SHA256 Credential=test\//);
  });
});

import { promises as fs } from 'node:fs';
import { checkCursor, type Cursor } from '../cursor';
import type { DatasetSource } from '../dataset';
import type { LabeledFile } from '../folder-dataset';
import { DONE, makeIterator } from './iterator';

/** One raw line of a file: its bytes (without the line break), where it is, and the file's label. */
export interface RawLine {
  bytes: Uint8Array;
  path: string;
  /** 1-based line number. */
  line: number;
  label: number;
}

interface LinesCursor extends Cursor {
  f: number;
  o: number;
  l: number;
}

const CHUNK = 1 << 16;

/**
 * Streams the lines of several files in order. The cursor is (file index, byte offset of the next
 * line, next line number): resuming seeks straight there, without re-reading what came before.
 * `skipEmpty` drops empty and whitespace-only lines.
 */
export function linesSource(
  files: readonly LabeledFile[],
  name: string,
  skipEmpty: boolean,
): DatasetSource<RawLine> {
  const signature = files.length;
  return {
    name,
    open(_epoch, cursor) {
      const c = checkCursor<LinesCursor>(cursor, 'lines', { files: signature });
      let f = c?.f ?? 0;
      let offset = c?.o ?? 0; // byte offset of the next line in file f
      let line = c?.l ?? 1;
      let handle: fs.FileHandle | undefined;
      let buffer = Buffer.alloc(0); // bytes read from `offset` on
      let readPos = offset;
      let eof = false;

      const openFile = async (): Promise<void> => {
        handle = await fs.open(files[f].path, 'r');
        buffer = Buffer.alloc(0);
        readPos = offset;
        eof = false;
      };
      const nextFile = async (): Promise<void> => {
        await handle?.close();
        handle = undefined;
        f++;
        offset = 0;
        line = 1;
      };

      return makeIterator({
        async next() {
          for (;;) {
            if (f >= files.length) return DONE;
            if (handle === undefined) await openFile();
            let nl = buffer.indexOf(0x0a);
            while (nl < 0 && !eof) {
              const chunk = Buffer.alloc(CHUNK);
              const { bytesRead } = await handle!.read(chunk, 0, CHUNK, readPos);
              if (bytesRead === 0) eof = true;
              else {
                readPos += bytesRead;
                buffer = Buffer.concat([buffer, chunk.subarray(0, bytesRead)]);
                nl = buffer.indexOf(0x0a);
              }
            }
            if (nl < 0 && buffer.length === 0) {
              await nextFile();
              continue;
            }
            const end = nl < 0 ? buffer.length : nl;
            const consumed = nl < 0 ? buffer.length : nl + 1;
            let bytes = buffer.subarray(0, end);
            if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d)
              bytes = bytes.subarray(0, bytes.length - 1);
            const current = line;
            buffer = buffer.subarray(consumed);
            offset += consumed;
            line++;
            if (skipEmpty && bytes.every((b) => b === 0x20 || b === 0x09)) continue;
            return {
              done: false,
              value: {
                bytes: Uint8Array.from(bytes),
                path: files[f].path,
                line: current,
                label: files[f].label,
              },
            };
          }
        },
        position: () => ({ k: 'lines', files: signature, f, o: offset, l: line }),
        async close() {
          await handle?.close();
          handle = undefined;
        },
      });
    },
  };
}

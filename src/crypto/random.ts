/** Randomness as a parameter, so vectors are reproducible (STYLE.md §4). */
import { randomBytes } from 'node:crypto';

export type RandomSource = (bytes: number) => Buffer;

export const systemRandom: RandomSource = (bytes) => randomBytes(bytes);

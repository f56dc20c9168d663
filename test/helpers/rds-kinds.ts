/** How a test compares a column: integer, float32/float64 (numerically), text, binary (hex), timestamp (epoch µs). */
export type ColumnKindName = 'int' | 'float32' | 'float64' | 'text' | 'bin' | 'ts' | 'bool' | 'dec';

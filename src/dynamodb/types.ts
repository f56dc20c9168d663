/** DynamoDB AttributeValue exactly as it appears on the wire (JSON 1.0). */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string } // base64
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] } // base64
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> };

export type Item = Record<string, AttributeValue>;

export type ScalarKeyType = 'S' | 'N' | 'B';

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

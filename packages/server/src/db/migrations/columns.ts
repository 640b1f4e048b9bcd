import type { ColumnDefinitionBuilder } from 'kysely';

export interface Dialect {
  name: 'sqlite' | 'postgres';
  autoIncrement: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

export const dialects: Record<Dialect['name'], Dialect> = {
  sqlite: { name: 'sqlite', autoIncrement: (c) => c.autoIncrement() },
  // PostgreSQL gets its sequence from the `serial` type instead.
  postgres: { name: 'postgres', autoIncrement: (c) => c },
};

export const idColumn = (dialect: Dialect) => (dialect.name === 'postgres' ? 'serial' : 'integer');

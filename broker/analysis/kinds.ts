import type { StatementKind } from './types.js';

/**
 * Statement node type (libpg-query, PostgreSQL 18) → coarse kind. A statement node missing here
 * maps to `other` (which is treated as writing). Exceptions decided on the node's content live in
 * `kindOf`: `SELECT ... INTO` is DDL, renaming a role is DCL.
 */
export const KIND_BY_NODE: Readonly<Record<string, StatementKind>> = {
  SelectStmt: 'select',
  InsertStmt: 'insert',
  UpdateStmt: 'update',
  DeleteStmt: 'delete',
  MergeStmt: 'merge',
  TruncateStmt: 'truncate',

  // Schema changes.
  AlterCollationStmt: 'ddl',
  AlterDatabaseRefreshCollStmt: 'ddl',
  AlterDatabaseSetStmt: 'ddl',
  AlterDatabaseStmt: 'ddl',
  AlterDomainStmt: 'ddl',
  AlterEnumStmt: 'ddl',
  AlterEventTrigStmt: 'ddl',
  AlterExtensionContentsStmt: 'ddl',
  AlterExtensionStmt: 'ddl',
  AlterFdwStmt: 'ddl',
  AlterForeignServerStmt: 'ddl',
  AlterFunctionStmt: 'ddl',
  AlterObjectDependsStmt: 'ddl',
  AlterObjectSchemaStmt: 'ddl',
  AlterOpFamilyStmt: 'ddl',
  AlterOperatorStmt: 'ddl',
  AlterOwnerStmt: 'ddl',
  AlterPolicyStmt: 'ddl',
  AlterPublicationStmt: 'ddl',
  AlterSeqStmt: 'ddl',
  AlterStatsStmt: 'ddl',
  AlterSubscriptionStmt: 'ddl',
  AlterSystemStmt: 'ddl',
  AlterTSConfigurationStmt: 'ddl',
  AlterTSDictionaryStmt: 'ddl',
  AlterTableMoveAllStmt: 'ddl',
  AlterTableSpaceOptionsStmt: 'ddl',
  AlterTableStmt: 'ddl',
  AlterTypeStmt: 'ddl',
  AlterUserMappingStmt: 'ddl',
  CommentStmt: 'ddl',
  CompositeTypeStmt: 'ddl',
  CreateAmStmt: 'ddl',
  CreateCastStmt: 'ddl',
  CreateConversionStmt: 'ddl',
  CreateDomainStmt: 'ddl',
  CreateEnumStmt: 'ddl',
  CreateEventTrigStmt: 'ddl',
  CreateExtensionStmt: 'ddl',
  CreateFdwStmt: 'ddl',
  CreateForeignServerStmt: 'ddl',
  CreateForeignTableStmt: 'ddl',
  CreateFunctionStmt: 'ddl',
  CreateOpClassStmt: 'ddl',
  CreateOpFamilyStmt: 'ddl',
  CreatePLangStmt: 'ddl',
  CreatePolicyStmt: 'ddl',
  CreatePublicationStmt: 'ddl',
  CreateRangeStmt: 'ddl',
  CreateSchemaStmt: 'ddl',
  CreateSeqStmt: 'ddl',
  CreateStatsStmt: 'ddl',
  CreateStmt: 'ddl',
  CreateSubscriptionStmt: 'ddl',
  CreateTableAsStmt: 'ddl',
  CreateTableSpaceStmt: 'ddl',
  CreateTransformStmt: 'ddl',
  CreateTrigStmt: 'ddl',
  CreateUserMappingStmt: 'ddl',
  CreatedbStmt: 'ddl',
  DefineStmt: 'ddl',
  DropStmt: 'ddl',
  DropSubscriptionStmt: 'ddl',
  DropTableSpaceStmt: 'ddl',
  DropUserMappingStmt: 'ddl',
  DropdbStmt: 'ddl',
  ImportForeignSchemaStmt: 'ddl',
  IndexStmt: 'ddl',
  RefreshMatViewStmt: 'ddl',
  RenameStmt: 'ddl',
  ReplicaIdentityStmt: 'ddl',
  RuleStmt: 'ddl',
  SecLabelStmt: 'ddl',
  ViewStmt: 'ddl',

  // Privileges and roles.
  GrantStmt: 'dcl',
  GrantRoleStmt: 'dcl',
  AlterDefaultPrivilegesStmt: 'dcl',
  CreateRoleStmt: 'dcl',
  AlterRoleStmt: 'dcl',
  AlterRoleSetStmt: 'dcl',
  DropRoleStmt: 'dcl',
  ReassignOwnedStmt: 'dcl',
  DropOwnedStmt: 'dcl',

  CopyStmt: 'copy',
  TransactionStmt: 'transaction',
  VariableSetStmt: 'set',
  ConstraintsSetStmt: 'set',
  VariableShowStmt: 'show',
  PrepareStmt: 'prepare',
  ExecuteStmt: 'execute',
  DeallocateStmt: 'deallocate',
  DeclareCursorStmt: 'cursor',
  FetchStmt: 'cursor',
  ClosePortalStmt: 'cursor',
  ListenStmt: 'listen',
  UnlistenStmt: 'listen',
  NotifyStmt: 'notify',
  DoStmt: 'do',
  CallStmt: 'call',
  ExplainStmt: 'explain',
  VacuumStmt: 'maintenance',
  ClusterStmt: 'maintenance',
  ReindexStmt: 'maintenance',
  CheckPointStmt: 'maintenance',
  LockStmt: 'lock',
  DiscardStmt: 'session',
  LoadStmt: 'session',
};

/**
 * Kinds whose relations, when named directly by the statement (not inside a nested query), are
 * the statement's targets: they are reported as written.
 */
export const TARGETING_KINDS: ReadonlySet<StatementKind> = new Set<StatementKind>([
  'ddl', 'dcl', 'maintenance', 'truncate', 'other',
]);

/** Kinds that change data, schema, privileges or the server whatever their content. */
export const ALWAYS_WRITES: ReadonlySet<StatementKind> = new Set<StatementKind>([
  'insert', 'update', 'delete', 'merge', 'truncate', 'ddl', 'dcl', 'do', 'call', 'execute',
  'maintenance', 'other', 'unknown',
]);

/** Kind of a statement node, `other` for anything not mapped (including future node types). */
export function kindOf(type: string, node: Record<string, unknown>): StatementKind {
  if (type === 'SelectStmt' && node['intoClause'] !== undefined) return 'ddl';
  if (type === 'RenameStmt' && node['renameType'] === 'OBJECT_ROLE') return 'dcl';
  return KIND_BY_NODE[type] ?? 'other';
}

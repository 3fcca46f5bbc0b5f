/** Statement analysis: decision-relevant facts from PostgreSQL's own parser. */
export { initAnalyzer, analyzerReady, analyzeSql, failedAnalysis, UNKNOWN_SUMMARY } from './analyzer.js';
export { AnalysisCache } from './cache.js';
export type { AnalysisCacheOptions, AnalysisCacheStats } from './cache.js';
export { isReadOnlyBuiltin } from './functions.js';
export { KIND_BY_NODE } from './kinds.js';
export { STATEMENT_KINDS } from './types.js';
export type {
  Analysis, CopyFacts, SessionSyntax, SettingFacts, StatementKind, StatementSummary,
} from './types.js';

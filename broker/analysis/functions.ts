/**
 * Built-in functions known to have no side effects: a SELECT calling only these (or no function)
 * is reported as not writing. Any other function — user-defined, extension, administrative
 * (`pg_terminate_backend`), sequence-advancing (`nextval`), session-changing (`set_config`),
 * file-touching (`pg_read_file`, `lo_import`), lock-taking (`pg_advisory_lock`) or query-running
 * (`query_to_xml`, `dblink`) — makes the statement count as writing, because we cannot prove
 * otherwise from the text.
 *
 * A name only matches when written unqualified or qualified with `pg_catalog`. Keep this list
 * small and boring: adding a function here is a security decision.
 */
const READ_ONLY_BUILTINS: ReadonlySet<string> = new Set([
  // Aggregates.
  'count', 'sum', 'avg', 'min', 'max', 'array_agg', 'string_agg', 'json_agg', 'jsonb_agg',
  'json_object_agg', 'jsonb_object_agg', 'bool_and', 'bool_or', 'every', 'bit_and', 'bit_or',
  'bit_xor', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp', 'corr',
  'covar_pop', 'covar_samp', 'regr_avgx', 'regr_avgy', 'regr_count', 'regr_intercept', 'regr_r2',
  'regr_slope', 'regr_sxx', 'regr_sxy', 'regr_syy', 'percentile_cont', 'percentile_disc', 'mode',
  'any_value', 'xmlagg', 'range_agg', 'range_intersect_agg', 'grouping',
  // Window functions.
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead',
  'first_value', 'last_value', 'nth_value',
  // Strings.
  'lower', 'upper', 'initcap', 'casefold', 'length', 'char_length', 'character_length',
  'octet_length', 'bit_length', 'substr', 'substring', 'left', 'right', 'lpad', 'rpad', 'ltrim',
  'rtrim', 'btrim', 'trim', 'replace', 'translate', 'reverse', 'repeat', 'split_part', 'strpos',
  'position', 'concat', 'concat_ws', 'format', 'quote_ident', 'quote_literal', 'quote_nullable',
  'md5', 'sha224', 'sha256', 'sha384', 'sha512', 'encode', 'decode', 'to_hex', 'ascii', 'chr',
  'regexp_replace', 'regexp_match', 'regexp_matches', 'regexp_split_to_array',
  'regexp_split_to_table', 'regexp_count', 'regexp_instr', 'regexp_like', 'regexp_substr',
  'starts_with', 'string_to_array', 'array_to_string', 'string_to_table', 'overlay', 'normalize',
  'unistr', 'convert_from', 'convert_to', 'like_escape', 'similar_to_escape', 'to_ascii',
  // Numbers.
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'trunc', 'sign', 'sqrt', 'cbrt', 'exp', 'ln', 'log',
  'log10', 'power', 'pow', 'mod', 'div', 'pi', 'degrees', 'radians', 'sin', 'cos', 'tan', 'asin',
  'acos', 'atan', 'atan2', 'random', 'random_normal', 'width_bucket', 'gcd', 'lcm', 'factorial',
  'scale', 'min_scale', 'trim_scale',
  // Dates and times.
  'now', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'timeofday',
  'date_trunc', 'date_part', 'extract', 'date_bin', 'age', 'make_date', 'make_time',
  'make_timestamp', 'make_timestamptz', 'make_interval', 'to_char', 'to_date', 'to_timestamp',
  'to_number', 'justify_days', 'justify_hours', 'justify_interval', 'isfinite', 'timezone',
  'date_add', 'date_subtract', 'overlaps',
  // JSON.
  'to_json', 'to_jsonb', 'json_build_object', 'jsonb_build_object', 'json_build_array',
  'jsonb_build_array', 'json_object', 'jsonb_object', 'json_array_length', 'jsonb_array_length',
  'json_each', 'jsonb_each', 'json_each_text', 'jsonb_each_text', 'json_extract_path',
  'jsonb_extract_path', 'json_extract_path_text', 'jsonb_extract_path_text', 'json_object_keys',
  'jsonb_object_keys', 'json_array_elements', 'jsonb_array_elements', 'json_array_elements_text',
  'jsonb_array_elements_text', 'json_typeof', 'jsonb_typeof', 'jsonb_set', 'jsonb_set_lax',
  'jsonb_insert', 'jsonb_strip_nulls', 'json_strip_nulls', 'jsonb_pretty', 'jsonb_path_query',
  'jsonb_path_exists', 'jsonb_path_match', 'jsonb_path_query_array', 'jsonb_path_query_first',
  'row_to_json', 'array_to_json', 'json_populate_record', 'jsonb_populate_record',
  'json_to_record', 'jsonb_to_record', 'json_to_recordset', 'jsonb_to_recordset',
  // Arrays and set-returning helpers.
  'array_length', 'array_lower', 'array_upper', 'array_dims', 'array_ndims', 'cardinality',
  'array_append', 'array_prepend', 'array_cat', 'array_remove', 'array_replace',
  'array_position', 'array_positions', 'array_fill', 'array_reverse', 'array_sort', 'trim_array',
  'unnest', 'generate_series', 'generate_subscripts',
  // Session and catalog information.
  'version', 'current_database', 'current_schema', 'current_schemas', 'current_setting',
  'pg_typeof', 'pg_backend_pid', 'inet_client_addr', 'inet_client_port', 'inet_server_addr',
  'inet_server_port', 'pg_postmaster_start_time', 'pg_is_in_recovery', 'pg_current_snapshot',
  'gen_random_uuid', 'uuidv4', 'uuidv7', 'uuid_extract_timestamp', 'uuid_extract_version',
  'has_table_privilege', 'has_column_privilege', 'has_schema_privilege',
  'has_database_privilege', 'has_function_privilege', 'has_sequence_privilege', 'pg_has_role',
  'pg_table_is_visible', 'pg_type_is_visible', 'pg_function_is_visible', 'format_type',
  'obj_description', 'col_description', 'shobj_description', 'pg_get_constraintdef',
  'pg_get_indexdef', 'pg_get_viewdef', 'pg_get_functiondef', 'pg_get_expr', 'pg_get_userbyid',
  'pg_get_serial_sequence', 'pg_size_pretty', 'pg_relation_size', 'pg_total_relation_size',
  'pg_table_size', 'pg_indexes_size', 'pg_column_size', 'to_regclass', 'to_regtype',
  'to_regproc', 'to_regprocedure', 'to_regnamespace', 'to_regrole', 'num_nulls', 'num_nonnulls',
  'currval', 'lastval',
  // Function-style casts.
  'text', 'int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'bool', 'date', 'time',
  'timestamp', 'timestamptz', 'interval', 'varchar', 'bpchar', 'uuid', 'inet', 'cidr',
]);

/** Reads nothing but session settings, yet what it touches is given by its arguments. */
export const SETTING_FUNCTIONS: ReadonlySet<string> = new Set(['set_config', 'current_setting']);

/** `name` is the qualified, lower-cased function name as reported (`now`, `pg_catalog.now`). */
export function isReadOnlyBuiltin(name: string): boolean {
  const dot = name.indexOf('.');
  if (dot < 0) return READ_ONLY_BUILTINS.has(name);
  return name.startsWith('pg_catalog.') && name.indexOf('.', dot + 1) < 0
    && READ_ONLY_BUILTINS.has(name.slice(dot + 1));
}

/*-------------------------------------------------------------------------
 *
 * judge_list.h
 *	  The statement types the guard judges, each with the rule family's
 *	  judge for it: the one place a statement type is added.
 *
 *	  An X-macro list, in the style of PostgreSQL's kwlist.h: a file that
 *	  includes it defines MG_STATEMENT_TYPE(tag, judge) first.  From it come
 *	  both the dispatch (mg_judge_statement, judge.c) and the test "may this
 *	  statement concern the guard" (mg_statement_may_concern_us, judge.h),
 *	  which the pipeline and check() apply.
 *
 *	  judge is a function of judge.c taking (MGStatement *, Node *), or
 *	  judge_none for types only the judges every statement gets concern:
 *	  the lock policy (lock_timeout, multiple_exclusive_locks), the
 *	  cascade rules, and the migration-head check and schema freeze
 *	  (heads.c) that the pipeline runs after judging.
 *
 *	  No include guard: included once per expansion.
 *
 * IDENTIFICATION
 *	  src/judge_list.h
 *
 *-------------------------------------------------------------------------
 */

/* statement types a rule family judges */
MG_STATEMENT_TYPE(T_IndexStmt, judge_index)
MG_STATEMENT_TYPE(T_ReindexStmt, judge_reindex)
MG_STATEMENT_TYPE(T_AlterTableStmt, judge_alter_table)
MG_STATEMENT_TYPE(T_AlterDomainStmt, judge_alter_domain)
MG_STATEMENT_TYPE(T_DropStmt, judge_drop)
MG_STATEMENT_TYPE(T_RenameStmt, judge_rename)
MG_STATEMENT_TYPE(T_AlterObjectSchemaStmt, judge_alter_object_schema)
MG_STATEMENT_TYPE(T_CreateStmt, judge_create)
MG_STATEMENT_TYPE(T_CreateSchemaStmt, judge_create_schema)
MG_STATEMENT_TYPE(T_VacuumStmt, judge_maintenance)
MG_STATEMENT_TYPE(T_ClusterStmt, judge_maintenance)
MG_STATEMENT_TYPE(T_TruncateStmt, judge_maintenance)
MG_STATEMENT_TYPE(T_RefreshMatViewStmt, judge_maintenance)
MG_STATEMENT_TYPE(T_AlterTableMoveAllStmt, judge_alter_table_move_all)
MG_STATEMENT_TYPE(T_AlterEnumStmt, judge_alter_enum)

/* statement types only the lock policy, cascade rules or heads concern */
MG_STATEMENT_TYPE(T_CreateTrigStmt, judge_none)
MG_STATEMENT_TYPE(T_RuleStmt, judge_none)
MG_STATEMENT_TYPE(T_CreatePolicyStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterPolicyStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterOwnerStmt, judge_none)
MG_STATEMENT_TYPE(T_CommentStmt, judge_none)
MG_STATEMENT_TYPE(T_GrantStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateTableAsStmt, judge_none)
MG_STATEMENT_TYPE(T_ViewStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateSeqStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterSeqStmt, judge_none)
MG_STATEMENT_TYPE(T_CompositeTypeStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateEnumStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateFunctionStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterFunctionStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateDomainStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateStatsStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterStatsStmt, judge_none)
MG_STATEMENT_TYPE(T_LockStmt, judge_none)
MG_STATEMENT_TYPE(T_SecLabelStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateEventTrigStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterEventTrigStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterTypeStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateExtensionStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterExtensionStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterExtensionContentsStmt, judge_none)
MG_STATEMENT_TYPE(T_DefineStmt, judge_none)
MG_STATEMENT_TYPE(T_CreatePublicationStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterPublicationStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateForeignTableStmt, judge_none)

/* other schema objects: the schema freeze (heads.c) */
MG_STATEMENT_TYPE(T_CreateRangeStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateCastStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateOpClassStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateOpFamilyStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterOpFamilyStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterOperatorStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateConversionStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateTransformStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterCollationStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterTSDictionaryStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterTSConfigurationStmt, judge_none)
MG_STATEMENT_TYPE(T_CreatePLangStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateAmStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateFdwStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterFdwStmt, judge_none)
MG_STATEMENT_TYPE(T_CreateForeignServerStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterForeignServerStmt, judge_none)
MG_STATEMENT_TYPE(T_ImportForeignSchemaStmt, judge_none)
MG_STATEMENT_TYPE(T_AlterObjectDependsStmt, judge_none)
MG_STATEMENT_TYPE(T_DropOwnedStmt, judge_none)
MG_STATEMENT_TYPE(T_ReassignOwnedStmt, judge_none)
MG_STATEMENT_TYPE(T_DropdbStmt, judge_none)

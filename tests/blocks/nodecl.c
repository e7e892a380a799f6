/* nodecl - a module that is no block: it lacks the mq_block_entry() declaration, so
 * mqgraph must say so instead of loading it. For the tests only. */
int mq_not_a_block(void);
int mq_not_a_block(void)
{
    return 0;
}

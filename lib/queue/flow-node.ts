/**
 * A task of a flow being built (`TaskQueue.flow`): pass it to `dependsOn` of
 * later tasks of the same flow. It becomes a task, with an id, only when the
 * whole flow is written.
 */
export class FlowNode<TResult = unknown> {
  /** @internal Marks the result type for `flow()`'s return; never set. */
  declare readonly resultType?: TResult;

  /** @internal */
  constructor(
    /** Position in its flow. */
    readonly flowNode: number,
    /** @internal The flow it belongs to. */
    readonly flow: object,
    /** Registered name of the task. */
    readonly name: string,
  ) {}
}

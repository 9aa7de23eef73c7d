import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BACKEND_KINDS,
  type BackendKind,
  COMMENT_SOURCES,
  CommentSourceSchema,
  REPO_EVENT_KINDS,
  type RepoEvent,
  RepoEventSchema,
  TASK_EVENT_KINDS,
  type TaskEvent,
  TaskEventSchema,
} from './index';

describe('word lists', () => {
  it('name exactly the kinds the schemas accept', () => {
    const kinds = (schema: typeof TaskEventSchema | typeof RepoEventSchema) =>
      schema.options.map((option) => option.shape.kind.value);
    expect(kinds(TaskEventSchema)).toEqual([...TASK_EVENT_KINDS]);
    expect(kinds(RepoEventSchema)).toEqual([...REPO_EVENT_KINDS]);
    expect(CommentSourceSchema.options).toEqual([...COMMENT_SOURCES]);
    expectTypeOf<TaskEvent['kind']>().toEqualTypeOf<(typeof TASK_EVENT_KINDS)[number]>();
    expectTypeOf<RepoEvent['kind']>().toEqualTypeOf<(typeof REPO_EVENT_KINDS)[number]>();
  });

  it('spell each backend once', () => {
    expect(BACKEND_KINDS).toEqual(['tasks', 'agents']);
    expectTypeOf<BackendKind>().toEqualTypeOf<'tasks' | 'agents'>();
  });
});

/**
 * The group-commit mechanism (src/store/group-commit.ts) on its own, over an in-memory writer that records each
 * statement and answers it when the test says: a lone call goes at once; calls made meanwhile wait and share the
 * next statement, each settled only when it returns, with its own result; the owner's `take` decides each
 * statement; a refused shared statement is retried member by member; an error that is everyone's answer fails them
 * all without a retry; the group is idle again after every failure. The real statements are covered per backend
 * by test/conformance/enqueue-group*.test.ts and workflow-step-boundaries.test.ts.
 */
import { describe, expect, it } from "vitest";
import { GroupCommit, type GroupCommitWrites, type GroupMember } from "../../src/store/group-commit.js";

type Member = GroupMember<string, number, string>;

interface Statement {
  readonly text: string;
  /** Answers the statement: its results (the items upper-cased), or `err`. */
  answer(err?: Error): void;
}

/** One turn of the event loop, as many times as asked: the group's own yields run in between. */
async function turns(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Whether a promise has settled yet, and how. */
function watch(p: Promise<unknown>): { state: string } {
  const w = { state: "pending" };
  p.then(
    (v) => {
      w.state = `ok:${String(v)}`;
    },
    (e: unknown) => {
      w.state = `err:${(e as Error).message}`;
    },
  );
  return w;
}

/**
 * A group over a recording writer. `manual`: every statement waits for `answer()`; otherwise it succeeds at once,
 * unless `refuse` names an error for it (`throw`: thrown synchronously).
 */
function setup(
  opts: {
    manual?: boolean;
    refuse?: (text: string) => Error | "throw" | undefined;
    take?: GroupCommitWrites<string, number, string>["take"];
    failsAll?: (err: unknown) => boolean;
    answerOnePerTurn?: boolean;
  } = {},
) {
  const statements: Statement[] = [];
  const run = (text: string, items: readonly string[]): Promise<string[]> => {
    const refusal = opts.refuse?.(text);
    if (refusal === "throw") throw new Error(`${text} threw`);
    return new Promise<string[]>((resolve, reject) => {
      const answer = (err?: Error) => (err === undefined ? resolve(items.map((i) => i.toUpperCase())) : reject(err));
      statements.push({ text, answer });
      if (refusal !== undefined) answer(refusal);
      else if (opts.manual !== true) answer();
    });
  };
  const group = new GroupCommit<string, number, string>({
    one: (first, second) => {
      expect(second).toBe(first.length);
      return run(`one:${first}`, [first]).then((r) => r[0] as string);
    },
    many: (batch) =>
      run(
        `many:${batch.map((m) => m.first).join(",")}`,
        batch.map((m) => m.first),
      ),
    take: opts.take ?? ((pending: Member[]) => pending.splice(0)),
    failsAll: opts.failsAll ?? (() => false),
    ...(opts.answerOnePerTurn === undefined ? {} : { answerOnePerTurn: opts.answerOnePerTurn }),
  });
  const add = (item: string) => group.add(item, item.length);
  const texts = () => statements.map((s) => s.text);
  return { group, add, statements, texts };
}

describe("GroupCommit", () => {
  it("a lone call is written at once, alone; a sequential caller always finds the group idle again", async () => {
    const { add, texts } = setup();
    for (const item of ["a", "bb", "ccc"]) {
      const p = add(item);
      // Sent inside add(): no turn waited, no shared statement.
      expect(texts().at(-1)).toBe(`one:${item}`);
      expect(await p).toBe(item.toUpperCase());
    }
    expect(texts()).toEqual(["one:a", "one:bb", "one:ccc"]);
  });

  /**
   * A lone call "a" in flight, then "b", "c", "d" made meanwhile: "a" answered, so "b,c,d" is the next statement,
   * sent and not answered yet.
   */
  async function sharedStatementSent(answerOnePerTurn: boolean) {
    const group = setup({ manual: true, answerOnePerTurn });
    const lone = watch(group.add("a"));
    const waiting = ["b", "c", "d"].map((item) => watch(group.add(item)));
    await turns(3);
    expect(group.texts()).toEqual(["one:a"]);
    expect(lone.state).toBe("pending");
    group.statements[0]?.answer();
    await turns(3);
    expect(lone.state).toBe("ok:A");
    expect(group.texts()).toEqual(["one:a", "many:b,c,d"]);
    // Not durable yet: nobody is answered before their statement returns.
    expect(waiting.map((w) => w.state)).toEqual(["pending", "pending", "pending"]);
    return { ...group, waiting };
  }

  it("calls made during a write share the next statement, each settled only when it returns, with its own result", async () => {
    const { statements, waiting } = await sharedStatementSent(false);
    statements[1]?.answer();
    await turns(1);
    expect(waiting.map((w) => w.state)).toEqual(["ok:B", "ok:C", "ok:D"]);
  });

  it("answerOnePerTurn: a shared statement's members are answered one per turn, the next statement waits for all", async () => {
    const { add, statements, texts, waiting } = await sharedStatementSent(true);
    statements[1]?.answer();
    // Whatever else waits for the event loop (here this test, in a worker a trigger's reply) runs between two
    // members' answers instead of after the whole batch.
    await turns(1);
    expect(waiting.map((w) => w.state)).toEqual(["ok:B", "pending", "pending"]);
    const late = watch(add("e"));
    await turns(1);
    expect(waiting.map((w) => w.state)).toEqual(["ok:B", "ok:C", "pending"]);
    await turns(1);
    expect(waiting.map((w) => w.state)).toEqual(["ok:B", "ok:C", "ok:D"]);
    // A call made while the batch was being answered waits for the next statement, after every member.
    await turns(2);
    expect(texts()).toEqual(["one:a", "many:b,c,d", "one:e"]);
    expect(late.state).toBe("pending");
    statements[2]?.answer();
    await turns(1);
    expect(late.state).toBe("ok:E");
  });

  it("the owner's take decides each statement; what it leaves waits, in order, and a lone pick goes alone", async () => {
    const { add, texts } = setup({ take: (pending: Member[]) => pending.splice(0, 2) });
    const results = await Promise.all(["a", "b", "c", "d", "e", "f"].map(add));
    expect(results).toEqual(["A", "B", "C", "D", "E", "F"]);
    expect(texts()).toEqual(["one:a", "many:b,c", "many:d,e", "one:f"]);
  });

  it("callers that loop ride together after the first round: one turn between statements lets them rejoin", async () => {
    const { add, texts } = setup();
    const callers = ["a", "b", "c", "d"];
    await Promise.all(
      callers.map(async (c) => {
        for (let i = 0; i < 3; i++) {
          expect(await add(`${c}${i}`)).toBe(`${c}${i}`.toUpperCase());
          // A caller's own code between two calls, many promise hops long (as through the library's layers).
          for (let hop = 0; hop < 20; hop++) await Promise.resolve();
        }
      }),
    );
    expect(texts()).toEqual(["one:a0", "many:b0,c0,d0,a1", "many:b1,c1,d1,a2", "many:b2,c2,d2"]);
  });

  it("a refused shared statement is retried member by member, and each caller gets its own answer", async () => {
    const { add, texts } = setup({
      refuse: (text) => (text.startsWith("many:") || text === "one:bad" ? new Error(`${text} refused`) : undefined),
    });
    const outcomes = ["a", "b", "bad", "c"].map((item) => watch(add(item)));
    await turns(5);
    expect(outcomes.map((o) => o.state)).toEqual(["ok:A", "ok:B", "err:one:bad refused", "ok:C"]);
    expect(texts()).toEqual(["one:a", "many:b,bad,c", "one:b", "one:bad", "one:c"]);
  });

  it("an error that is every member's answer fails them all with it, without a retry; the group goes on", async () => {
    const lost = new Error("connection lost");
    const { add, texts } = setup({
      refuse: (text) => (text.startsWith("many:") ? lost : undefined),
      failsAll: (err) => err === lost,
    });
    const outcomes = await Promise.allSettled(["a", "b", "c"].map(add));
    expect(outcomes.map((o) => (o.status === "rejected" ? o.reason : o.value))).toEqual(["A", lost, lost]);
    expect(texts()).toEqual(["one:a", "many:b,c"]);
    expect(await add("d")).toBe("D");
    expect(texts().at(-1)).toBe("one:d");
  });

  it("a lone write that throws fails its caller only (a rejection, not a throw); those waiting still go together", async () => {
    const { add, texts } = setup({ refuse: (text) => (text === "one:boom" ? "throw" : undefined) });
    const boom = add("boom");
    const others = [add("b"), add("c")];
    await expect(boom).rejects.toThrow("one:boom threw");
    expect(await Promise.all(others)).toEqual(["B", "C"]);
    expect(texts()).toEqual(["many:b,c"]);
  });

  it("a take that throws fails every waiting member with its error, and the group is idle again", async () => {
    let broken = true;
    const { add, texts } = setup({
      take: (pending: Member[]) => {
        if (broken) throw new Error("take broke");
        return pending.splice(0);
      },
    });
    const outcomes = await Promise.allSettled(["a", "b", "c"].map(add));
    expect(outcomes.map((o) => (o.status === "rejected" ? (o.reason as Error).message : o.value))).toEqual([
      "A",
      "take broke",
      "take broke",
    ]);
    broken = false;
    expect(await add("d")).toBe("D");
    expect(texts()).toEqual(["one:a", "one:d"]);
  });
});

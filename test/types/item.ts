// item() and tolist() typing: a float tensor's item() compares with a number without a
// cast, a bool tensor's is a boolean. test/types.test.ts type-checks this file against the
// built declarations and runs it, so every type claim here is checked at run time too.
import * as torch from "wasmgrad";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`runtime disagrees with the types: ${what}`);
}

/** Compiles only when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const same = <A, B>(_proof: Equals<A, B>): void => {};

// numbers, no cast
const total = torch.ones(2).sum().item();
same<typeof total, number>(true);
const small: boolean = torch.ones(2).sum().item() < 1000;
same<ReturnType<torch.Tensor["tolist"]>, torch.NestedList<number>>(true);
check(typeof total === "number" && small, "ones(2).sum().item() is the number 2");
check(JSON.stringify(torch.ones(2, 1).tolist()) === "[[1],[1]]", "ones(2, 1).tolist() is [[1], [1]]");

// booleans, from every place the types know a bool tensor comes from
const t = torch.ones(2, 2);
same<ReturnType<typeof t.gt>, torch.BoolTensor>(true);
const anyPositive = t.gt(0).any().item();
same<typeof anyPositive, boolean>(true);
same<typeof t.eq, (other: torch.TensorOrScalar) => torch.BoolTensor>(true);
for (const b of [
  t.eq(1), t.ne(1), t.lt(1), t.le(1), t.gt(1), t.ge(1), t.all(), t.any(1), t.bool(), t.to("bool"), t.to(torch.bool),
  torch.eq(t, 1), torch.all(t), torch.any(t),
  torch.tensor(true), torch.tensor([true, false]), torch.tensor([[true], [false]]), torch.tensor([1, 0], { dtype: "bool" }),
  torch.tensor(new Uint8Array(2)), torch.fromArray(new Uint8Array(2)),
  torch.zeros(2, { dtype: "bool" }), torch.ones([2, 3], { dtype: torch.bool }), torch.empty(2, 3, { dtype: "bool" }),
  torch.full(2, true), torch.full([2], 1, { dtype: "bool" }),
  // methods that keep the dtype keep the type
  t.gt(0).reshape(4), t.gt(0).view(-1), t.gt(0).T, t.gt(0).t(), t.gt(0).transpose(0, 1), t.gt(0).permute(1, 0),
  t.gt(0).unsqueeze(0), t.gt(0).squeeze(), t.gt(0).expand(3, 2, 2), t.gt(0).flatten(), t.gt(0).contiguous(),
  t.gt(0).clone(), t.gt(0).detach(), t.gt(0).data, t.gt(0).index(0, null),
  // joining bool tensors, and choosing between bool tensors or booleans
  torch.cat([t.gt(0), t.lt(0)]), torch.concat([t.gt(0)], 1), torch.stack([t.gt(0), t.le(0)]),
  torch.where(t.gt(0), t.lt(1), true), torch.where(t.gt(0), false, t.ge(1)),
]) {
  same<typeof b, torch.BoolTensor>(true);
  same<ReturnType<typeof b.index>, torch.BoolTensor>(true);
  const first = b.reshape(-1).index(0).item();
  check(b.dtype === "bool" && typeof first === "boolean", `a BoolTensor of shape [${b.shape}] has dtype ${b.dtype}, item() ${typeof first}`);
}
const flags = t.gt(0).tolist();
same<typeof flags, torch.NestedList<boolean>>(true);
const flag: boolean = t.gt(0).all().item();
check(JSON.stringify(flags) === "[[true,true],[true,true]]" && flag === true, "ones(2, 2).gt(0) lists booleans");

// a BoolTensor is a Tensor; a Tensor is not a BoolTensor
const asTensor: torch.Tensor = t.gt(0);
// @ts-expect-error a float tensor is not known to hold bools
const notBool: torch.BoolTensor = t;
// @ts-expect-error a bool tensor's item() is a boolean
const notNumber: number = t.gt(0).any().item();
// @ts-expect-error an empty list makes float32, so it is no BoolTensor
const emptyIsFloat: torch.BoolTensor = torch.tensor([]);
// @ts-expect-error numbers make float32
const numbersAreFloat: torch.BoolTensor = torch.tensor([1, 0]);
// @ts-expect-error dtype float32 overrides boolean data
const explicitFloat: torch.BoolTensor = torch.full(2, true, { dtype: "float32" });
// @ts-expect-error a choice between a bool tensor and a number is a number tensor
const mixedWhere: torch.BoolTensor = torch.where(t.gt(0), t.gt(1), 0);
// @ts-expect-error float tensors concatenate to a float tensor
const floatCat: torch.BoolTensor = torch.cat([t, t.gt(0)]);

// the lines above lie to the compiler on purpose; at run time they are what the errors said
const dtypeOf = (x: torch.Tensor): string => x.dtype;
check(dtypeOf(asTensor) === "bool" && dtypeOf(notBool) === "float32", "gt makes bool, ones float32");
check(typeof notNumber === "boolean", "any().item() is a boolean");
check(dtypeOf(mixedWhere) === "int32", `where(bool, bool tensor, 0) made ${dtypeOf(mixedWhere)}`);
for (const f of [emptyIsFloat, numbersAreFloat, explicitFloat, floatCat]) check(dtypeOf(f) === "float32", `${dtypeOf(f)} where float32 was typed`);
console.log("item typing: ok");

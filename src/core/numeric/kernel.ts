// Generated SGD kernels: the straight-line kernel of small models (scalarKernel.ts) or the tensor
// kernel of loops (tensorKernel.ts) for everything larger, behind one interface.
import { hasScalarView } from '../lang/model';
import { Kernel, KernelInputs } from './kernelCommon';
import { generateScalarKernel, UNROLL_MAX } from './scalarKernel';
import { generateTensorKernel } from './tensorKernel';

export * from './kernelCommon';

export function generateKernel(inp: KernelInputs): Kernel {
  const m = inp.model;
  if (hasScalarView(m) && m.components.length <= UNROLL_MAX && m.dataComponents.length <= UNROLL_MAX) return generateScalarKernel({ ...inp, model: m });
  return generateTensorKernel(inp);
}

// NumPy .npy files crafted byte by byte, for the tests of binary data files.

export type Dtype = '<f4' | '<f8' | '|u1' | '<i4' | '<i8' | '>f4';

/** A .npy file as numpy.save writes it (header padded so the data starts on a 64-byte boundary). */
export function npy(values: number[], shape: number[], dtype: Dtype = '<f8', version = 1, fortran = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  header += ' '.repeat(64 - ((pre + header.length + 1) % 64)) + '\n';
  const size = { '<f4': 4, '>f4': 4, '<f8': 8, '|u1': 1, '<i4': 4, '<i8': 8 }[dtype];
  const out = new Uint8Array(pre + header.length + values.length * size);
  const v = new DataView(out.buffer);
  out.set([0x93, ...Buffer.from('NUMPY'), version, 0]);
  if (version === 1) v.setUint16(8, header.length, true);
  else v.setUint32(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), pre);
  let o = pre + header.length;
  for (const x of values) {
    if (dtype === '<f4') v.setFloat32(o, x, true);
    else if (dtype === '>f4') v.setFloat32(o, x, false);
    else if (dtype === '<f8') v.setFloat64(o, x, true);
    else if (dtype === '|u1') v.setUint8(o, x);
    else if (dtype === '<i4') v.setInt32(o, x, true);
    else v.setBigInt64(o, BigInt(x), true);
    o += size;
  }
  return out;
}

// Length-prefixed frame reader for the raw-pipe baseline, shared by the parent
// and the echo child: calls `onFrames(data, end)` with the bytes of all
// complete frames so far, reassembling a frame split across reads with one copy.
module.exports = function frameReader(onFrames) {
  let parts = [];
  let size = 0;
  let need = 4;
  return (chunk) => {
    parts.push(chunk);
    size += chunk.length;
    if (size >= 4 && need === 4)
      need = 4 + (parts.length === 1 ? parts[0] : Buffer.concat(parts, size)).readUInt32LE(0);
    if (size < need) return;
    const data = parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
    let offset = 0;
    let frames = 0;
    while (data.length - offset >= 4) {
      const end = offset + 4 + data.readUInt32LE(offset);
      if (end > data.length) break;
      offset = end;
      frames += 1;
    }
    onFrames(data, offset, frames);
    parts = offset === data.length ? [] : [data.subarray(offset)];
    size = data.length - offset;
    need = size >= 4 ? 4 + parts[0].readUInt32LE(0) : 4;
  };
};

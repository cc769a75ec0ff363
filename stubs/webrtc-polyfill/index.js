// HACK: stand-in for webrtc-polyfill (see package.json). simple-peer only touches these
// constructors when a WebRTC peer is created, which never happens for UDP/HTTP trackers.
function unsupported() {
  throw new Error('WebRTC is not available in this build (webrtc-polyfill stub)')
}
export const RTCPeerConnection = unsupported
export const RTCSessionDescription = unsupported
export const RTCIceCandidate = unsupported
export const RTCDataChannel = unsupported
export const MediaStream = unsupported
export default {
  RTCPeerConnection,
  RTCSessionDescription,
  RTCIceCandidate,
  RTCDataChannel,
  MediaStream,
}

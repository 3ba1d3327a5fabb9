// The page's view of the server: a socket.io connection of its own (it closes at once when the server goes, and
// socket.io reconnects with backoff) plus whether the page's requests are failing to reach it. When the connection
// comes back, `onBack` runs (the page refetches its queries; the charts' socket resubscribes on its own).
import { useEffect, useRef, useState } from 'react';
import { io } from 'socket.io-client';
import { CONNECTED, nextConnection, type ConnectionState } from './connection.js';

/** How long after a server-side disconnect (a restart closing its sockets) the socket tries again. */
const RECONNECT_AFTER_SERVER_CLOSE_MS = 1_000;

export function useServerConnection(requestsFailing: boolean, onBack?: () => void): ConnectionState {
  const [socketUp, setSocketUp] = useState<boolean | null>(null);
  const [state, setState] = useState<ConnectionState>(CONNECTED);
  useEffect(() => {
    // forceNew: the charts' socket stays its own (their cleanup disconnects theirs, not this one).
    const socket = io({ transports: ['websocket'], forceNew: true });
    let retry: ReturnType<typeof setTimeout> | undefined;
    // A socket that never connected (a proxy without WebSockets, a refused handshake) says nothing about the
    // server: only requests count then. Once it has connected, a failure to reconnect means the server is away.
    let everConnected = false;
    socket.on('connect', () => {
      everConnected = true;
      setSocketUp(true);
    });
    socket.on('connect_error', () => everConnected && setSocketUp(false));
    socket.on('disconnect', (reason) => {
      setSocketUp(false);
      // socket.io does not reconnect by itself after the server closed the socket: try again shortly.
      if (reason === 'io server disconnect')
        retry = setTimeout(() => socket.connect(), RECONNECT_AFTER_SERVER_CLOSE_MS);
    });
    return () => {
      clearTimeout(retry);
      socket.disconnect();
    };
  }, []);
  useEffect(() => {
    setState((prev) => nextConnection(prev, { socketUp, requestsFailing }, Date.now()));
  }, [socketUp, requestsFailing]);
  // Back after a loss: refetch at once rather than at the next poll.
  const wasConnected = useRef(true);
  const back = useRef(onBack);
  back.current = onBack;
  useEffect(() => {
    if (state.connected && !wasConnected.current) back.current?.();
    wasConnected.current = state.connected;
  }, [state.connected]);
  return state;
}

/*
 * Boots GraphiQL for Atrium (src/playground/playground.ts): an example document to start from, a
 * "Sign in" panel that puts a session token into the Authorization header, and the schema's
 * descriptions in the docs pane. Everything it loads comes from this server.
 */
(function () {
  'use strict';

  var endpoint = document.currentScript.getAttribute('data-endpoint');
  var R = React.createElement;
  var UI = GraphiQL.React;
  var SIGN_IN_TITLE = 'Sign in';
  var GREETED_KEY = 'atrium:playground-greeted';

  // A session handed over by the pages behind the email links, as /graphql#token=…: taken out of
  // the address at once, so it stays in neither the history nor a copied link.
  var handedOver = null;
  var hashToken = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (hashToken) {
    handedOver = decodeURIComponent(hashToken[1]);
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }

  var EXAMPLE = [
    '# Welcome to the Atrium GraphQL playground.',
    '#',
    '# A first session, one operation at a time: put the cursor',
    '# in an operation and press Ctrl-Enter (or the run button).',
    '#',
    '# 1. SignUp creates your account: edit the email, password',
    '#    and name first.',
    '# 2. Sign in with the "Sign in" panel (the key button on the',
    '#    left): it puts your session token into the Authorization',
    '#    header (Headers tab, below), which the rest needs.',
    '# 3. CreateWorkspace makes a workspace that you own.',
    '# 4. People lists who is in it: paste the id that',
    '#    CreateWorkspace answered.',
    '#',
    '# The Docs pane (the book button) describes every type and',
    '# field.',
    '',
    'mutation SignUp {',
    '  signUp(input: {',
    '    email: "you@example.com"',
    '    password: "choose a long password"',
    '    name: "Your Name"',
    '  }) {',
    '    token',
    '    expiresAt',
    '    me { id name email }',
    '  }',
    '}',
    '',
    'mutation CreateWorkspace {',
    '  createWorkspace(input: {',
    '    name: "My first workspace"',
    '    visibility: PRIVATE',
    '  }) {',
    '    id',
    '    name',
    '  }',
    '}',
    '',
    'query People {',
    '  workspace(id: "paste the workspace id here") {',
    '    name',
    '    people(first: 20) {',
    '      totalCount',
    '      edges { node { name email role status } }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  var EMPTY_HEADERS = JSON.stringify({ Authorization: '' }, null, 2);

  function post(query, variables, authorization) {
    var headers = { 'content-type': 'application/json' };
    if (authorization) headers.authorization = authorization;
    return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify({ query: query, variables: variables }), credentials: 'omit' }).then(
      function (res) {
        return res.json();
      },
    );
  }

  function readHeaders(editor) {
    try {
      var parsed = JSON.parse((editor && editor.getValue()) || '{}');
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
    } catch {
      return {};
    }
  }

  /** Sets (or, with null, removes) the Authorization header in the headers editor, keeping the other headers. */
  function setAuthorization(editor, token) {
    var headers = readHeaders(editor);
    if (token) headers.Authorization = 'Bearer ' + token;
    else headers.Authorization = '';
    editor.setValue(JSON.stringify(headers, null, 2));
  }

  var currentBearer = function (editor) {
    var value = readHeaders(editor).Authorization;
    return typeof value === 'string' && /^Bearer\s+\S+/.test(value) ? value : null;
  };

  function KeyIcon() {
    return R(
      'svg',
      { viewBox: '0 0 24 24', width: '1em', height: '1em', 'aria-hidden': 'true', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5 },
      R('circle', { cx: 8, cy: 15, r: 4 }),
      R('path', { d: 'M11 12l8-8m-3 3l2 2m-4 0l1.5 1.5', strokeLinecap: 'round' }),
    );
  }

  /** The panel: a sign-in form, or who the Authorization header signs in as. */
  function SignInPanel() {
    var editorContext = UI.useEditorContext({ nonNull: true });
    var editor = editorContext.headerEditor;
    var state = React.useState({ who: null, checking: true, error: null, busy: false });
    var view = state[0];
    var setView = state[1];
    var email = React.useState('');
    var password = React.useState('');

    // Who the current header is, if anyone; checked each time the panel opens.
    React.useEffect(
      function () {
        var bearer = currentBearer(editor);
        if (!bearer) {
          setView({ who: null, checking: false, error: null, busy: false });
          return;
        }
        post('query PlaygroundMe { me { name email } }', {}, bearer).then(
          function (body) {
            var me = body && body.data && body.data.me;
            setView({
              who: me || null,
              checking: false,
              error: me ? null : 'The token in the Authorization header is not valid any more; sign in again.',
              busy: false,
            });
          },
          function () {
            setView({ who: null, checking: false, error: 'Atrium cannot be reached.', busy: false });
          },
        );
      },
      [editor],
    );

    function submit(event) {
      event.preventDefault();
      setView({ who: null, checking: false, error: null, busy: true });
      post('mutation PlaygroundSignIn($input: SignInInput!) { signIn(input: $input) { token me { name email } } }', {
        input: { email: email[0].trim(), password: password[0] },
      }).then(
        function (body) {
          if (body.errors && body.errors.length) {
            setView({ who: null, checking: false, error: body.errors[0].message, busy: false });
            return;
          }
          if (editor) setAuthorization(editor, body.data.signIn.token);
          password[1]('');
          setView({ who: body.data.signIn.me, checking: false, error: null, busy: false });
        },
        function () {
          setView({ who: null, checking: false, error: 'Atrium cannot be reached.', busy: false });
        },
      );
    }

    function signOut() {
      var bearer = currentBearer(editor);
      // Ends the session on the server too; the header is cleared either way.
      if (bearer)
        post('mutation PlaygroundSignOut { signOut }', {}, bearer).catch(function () {
          return null;
        });
      if (editor) setAuthorization(editor, null);
      setView({ who: null, checking: false, error: null, busy: false });
    }

    var children = [R('div', { key: 'title', className: 'graphiql-doc-explorer-title' }, 'Sign in')];
    if (view.checking) {
      children.push(R('p', { key: 'checking' }, 'Checking the Authorization header…'));
    } else if (view.who) {
      children.push(
        R('p', { key: 'who', role: 'status', className: 'atrium-signed-in' }, 'Signed in as ', R('strong', null, view.who.name), ' (' + view.who.email + ').'),
        R('p', { key: 'where', className: 'atrium-hint' }, 'The session token is in the Authorization header (Headers tab); every operation you run sends it.'),
        R('button', { key: 'out', type: 'button', className: 'atrium-button', onClick: signOut }, 'Sign out'),
      );
    } else {
      children.push(
        R(
          'p',
          { key: 'intro', className: 'atrium-hint' },
          'Sign in to fill the Authorization header with a session token. No account yet? Run SignUp in the editor first.',
        ),
        R(
          'form',
          { key: 'form', className: 'atrium-sign-in', onSubmit: submit, 'aria-label': 'Sign in to Atrium' },
          R('label', { htmlFor: 'atrium-email' }, 'Email'),
          R('input', {
            id: 'atrium-email',
            type: 'email',
            autoComplete: 'username',
            required: true,
            value: email[0],
            onChange: function (e) {
              email[1](e.target.value);
            },
          }),
          R('label', { htmlFor: 'atrium-password' }, 'Password'),
          R('input', {
            id: 'atrium-password',
            type: 'password',
            autoComplete: 'current-password',
            required: true,
            value: password[0],
            onChange: function (e) {
              password[1](e.target.value);
            },
          }),
          view.error ? R('p', { role: 'alert', className: 'atrium-error' }, view.error) : null,
          R('button', { type: 'submit', className: 'atrium-button', disabled: view.busy }, view.busy ? 'Signing in…' : 'Sign in'),
        ),
      );
    }
    return R('div', { className: 'atrium-panel' }, children);
  }

  var SIGN_IN_PLUGIN = { title: SIGN_IN_TITLE, icon: KeyIcon, content: SignInPanel };

  /**
   * Opens the sign-in panel through its sidebar button: GraphiQL widens the plugin pane only in
   * that button's handler (setting the visible plugin alone leaves the pane zero pixels wide).
   */
  function openSignInPanel() {
    var button = document.querySelector('.graphiql-sidebar button[aria-label="Show ' + SIGN_IN_TITLE + '"]');
    if (button) button.click();
  }

  /**
   * Always mounted inside GraphiQL (in its toolbar): applies a handed-over session to the headers,
   * and opens the sign-in panel on a first visit or after a hand-over.
   */
  function Greeter() {
    var editor = UI.useEditorContext({ nonNull: true }).headerEditor;
    React.useEffect(
      function () {
        if (!editor) return;
        var firstVisit = !window.localStorage.getItem(GREETED_KEY);
        if (handedOver) {
          setAuthorization(editor, handedOver);
          handedOver = null;
          openSignInPanel();
        } else if (firstVisit && !currentBearer(editor)) {
          openSignInPanel();
        }
        window.localStorage.setItem(GREETED_KEY, '1');
      },
      [editor],
    );
    return null;
  }

  var fetcher = GraphiQL.createFetcher({ url: endpoint });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    R(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: EXAMPLE,
      defaultHeaders: EMPTY_HEADERS,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: true,
      // The docs pane's front page shows the schema's own description.
      schemaDescription: true,
      inputValueDeprecation: true,
      plugins: [SIGN_IN_PLUGIN],
      toolbar: { additionalComponent: Greeter },
    }),
  );
})();

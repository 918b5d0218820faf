/*
 * The pages behind the email links (src/web/pages.ts): accept an invitation, choose a new password,
 * confirm an email address. Plain browser JavaScript with no dependencies, served from this server
 * (the Content-Security-Policy allows no inline script). It talks only to the public GraphQL API on
 * /graphql. Everything a person typed (names, workspace names) goes into the page as text, never
 * as HTML.
 */
(function () {
  'use strict';

  var ENDPOINT = '/graphql';
  var MIN_PASSWORD = 8;
  var page = document.body.getAttribute('data-page');
  var heading = document.getElementById('heading');
  var content = document.getElementById('content');
  var token = new URLSearchParams(window.location.search).get('token') || '';

  // ------------------------------------------------------------------ small helpers

  /** h('p', { class: 'x' }, 'text', child): an element; strings become text nodes. */
  function h(tag, props) {
    var node = document.createElement(tag);
    var attrs = props || {};
    Object.keys(attrs).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) return;
      if (key === 'onclick' || key === 'onsubmit') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child))
      child.forEach(function (c) {
        append(node, c);
      });
    else node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }

  /** Replaces the page's content, retitles it and moves the focus to the new heading, so a screen reader starts there. */
  function show(title, nodes) {
    heading.textContent = title;
    document.title = title + ' · Atrium';
    content.replaceChildren();
    append(content, nodes);
    heading.focus();
  }

  var idCounter = 0;
  var nextId = function (prefix) {
    return prefix + '-' + ++idCounter;
  };

  var ROLE_NAMES = { VIEWER: 'viewer', MEMBER: 'member', ADMIN: 'admin', OWNER: 'owner' };
  var roleName = function (role) {
    return ROLE_NAMES[role] || String(role).toLowerCase();
  };
  var withArticle = function (word) {
    return (/^[aeiou]/i.test(word) ? 'an ' : 'a ') + word;
  };
  function formatDate(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return String(iso);
    return date.toLocaleString(undefined, { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  }

  /** A GraphQL request; resolves with { data, errors } (errors normalised to one list), rejects only when Atrium cannot be reached. */
  function gql(query, variables, bearer) {
    var headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    if (bearer) headers.authorization = 'Bearer ' + bearer;
    return fetch(ENDPOINT, { method: 'POST', headers: headers, body: JSON.stringify({ query: query, variables: variables || {} }), credentials: 'omit' })
      .then(function (res) {
        return res.json().catch(function () {
          throw new Error('Atrium answered ' + res.status + ' without a GraphQL answer.');
        });
      })
      .then(function (body) {
        return { data: body.data || null, errors: body.errors || [] };
      });
  }

  /** What went wrong, from the first error: code, reason, message and the fields it names. */
  function problemOf(errors) {
    var first = errors[0] || {};
    var ext = first.extensions || {};
    return {
      code: ext.code || null,
      reason: ext.reason || null,
      message: first.message || 'Something went wrong.',
      fields: ext.fields || [],
      retryAfter: ext.retryAfterSeconds,
    };
  }

  function notice(kind, title, text) {
    return h(
      'div',
      { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status' },
      h('p', {}, h('strong', {}, title)),
      text ? h('p', {}, text) : null,
    );
  }

  function unreachable(error) {
    show('Atrium cannot be reached', [
      notice('error', 'The page could not talk to Atrium.', (error && error.message ? error.message + ' ' : '') + 'Check your connection and reload the page.'),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            onclick: function () {
              window.location.reload();
            },
          },
          'Reload the page',
        ),
      ),
    ]);
  }

  /** The last part of every page: where to go from here. With a session token, the playground opens signed in. */
  function nextStep(sessionToken, text) {
    var href = sessionToken ? ENDPOINT + '#token=' + encodeURIComponent(sessionToken) : ENDPOINT;
    return h(
      'section',
      { class: 'next', 'aria-labelledby': 'next-heading' },
      h('h2', { id: 'next-heading' }, 'Next step'),
      h(
        'p',
        {},
        text ||
          (sessionToken
            ? 'Open the GraphQL playground: you are signed in there, with your session in its Authorization header.'
            : 'Open the GraphQL playground and sign in with the control in its sidebar.'),
      ),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button primary', href: href, id: 'next-link' }, sessionToken ? 'Open the playground, signed in' : 'Open the playground'),
      ),
    );
  }

  function missingToken(what) {
    show('This link is incomplete', [
      notice(
        'error',
        'The link has no ' + what + ' token.',
        'Open the link from the email again, exactly as it was sent: some mail programs cut long links in two. If that does not help, ask for a new email.',
      ),
      nextStep(null),
    ]);
  }

  /**
   * A labelled input with room for its own error. The error is tied to the input with
   * aria-describedby and aria-invalid, so a screen reader reads it with the field.
   */
  function field(name, label, options) {
    var opts = options || {};
    var id = nextId(name);
    var hintId = opts.hint ? id + '-hint' : null;
    var errorId = id + '-error';
    var input = h('input', {
      id: id,
      name: name,
      type: opts.type || 'text',
      autocomplete: opts.autocomplete,
      required: opts.required !== false,
      readonly: opts.readonly,
      value: opts.value,
      minlength: opts.minlength,
      maxlength: opts.maxlength,
      'aria-describedby': hintId,
      spellcheck: opts.type === 'email' || opts.type === 'password' ? 'false' : undefined,
    });
    var error = h('span', { id: errorId, class: 'field-error', hidden: true });
    var wrap = h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label),
      input,
      opts.hint ? h('span', { id: hintId, class: 'hint' }, opts.hint) : null,
      error,
    );
    return {
      name: name,
      node: wrap,
      input: input,
      setError: function (message) {
        error.textContent = message || '';
        error.hidden = !message;
        if (message) {
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('aria-describedby', [errorId, hintId].filter(Boolean).join(' '));
        } else {
          input.removeAttribute('aria-invalid');
          if (hintId) input.setAttribute('aria-describedby', hintId);
          else input.removeAttribute('aria-describedby');
        }
      },
    };
  }

  /**
   * A form that the script submits. `submit(values)` returns a promise of nothing (done) or of a
   * problem to show; a problem naming a field goes next to it, others above the button. While it
   * runs the button is disabled, so a double click sends one request.
   */
  function form(label, fields, submitLabel, submit, extra) {
    var status = h('div', { class: 'form-status' });
    var button = h('button', { type: 'submit', class: 'primary' }, submitLabel);
    var node = h(
      'form',
      { 'aria-label': label, novalidate: true },
      fields.map(function (f) {
        return f.node;
      }),
      status,
      h('div', { class: 'actions' }, button, extra),
    );
    function report(problem) {
      var placed = false;
      problem.fields.forEach(function (fp) {
        var key = String(fp.field || '')
          .split('.')
          .pop();
        fields.forEach(function (f) {
          if (f.name === key) {
            f.setError(fp.message);
            if (!placed) f.input.focus();
            placed = true;
          }
        });
      });
      if (!placed) {
        status.replaceChildren(
          notice('error', problem.message, problem.retryAfter ? 'Try again in ' + Math.ceil(problem.retryAfter / 60) + ' minute(s).' : null),
        );
      }
    }
    node.addEventListener('submit', function (event) {
      event.preventDefault();
      if (button.disabled) return;
      status.replaceChildren();
      fields.forEach(function (f) {
        f.setError(null);
      });
      // The browser's own checks first (required, lengths), with the same messages as the server's.
      var local = [];
      fields.forEach(function (f) {
        if (f.input.readOnly) return;
        var value = f.input.value;
        if (f.input.required && !value.trim()) local.push({ field: f.name, message: 'Fill this in.' });
        else if (f.input.minLength > 0 && value.length < f.input.minLength)
          local.push({ field: f.name, message: 'Use at least ' + f.input.minLength + ' characters.' });
      });
      var values = {};
      fields.forEach(function (f) {
        values[f.name] = f.input.value;
      });
      if (!local.length && extraCheck) local = extraCheck(values);
      if (local.length) {
        report({ fields: local, message: '' });
        return;
      }
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      Promise.resolve()
        .then(function () {
          return submit(values);
        })
        .then(
          function (problem) {
            if (problem) report(problem);
          },
          function (error) {
            report({ fields: [], message: 'Atrium could not be reached: ' + (error && error.message ? error.message : 'network error') + '. Try again.' });
          },
        )
        .then(function () {
          button.disabled = false;
          button.removeAttribute('aria-busy');
        });
    });
    var extraCheck = null;
    return {
      node: node,
      check: function (fn) {
        extraCheck = fn;
      },
    };
  }

  // ------------------------------------------------------------------ /invitations/accept

  var PREVIEW =
    'query AcceptPage($token: String!) { invitationPreview(token: $token) { workspaceName invitedByName email role state expiresAt accountExists } }';
  var SIGN_UP_AND_ACCEPT =
    'mutation SignUpAndAccept($input: SignUpAndAcceptInvitationInput!) { signUpAndAcceptInvitation(input: $input) { token me { name email } } }';
  var SIGN_IN = 'mutation SignIn($input: SignInInput!) { signIn(input: $input) { token me { name email } } }';
  var ACCEPT = 'mutation Accept($token: String!) { acceptInvitation(token: $token) { role workspace { id name } } }';
  var DECLINE = 'mutation Decline($token: String!) { declineInvitation(token: $token) }';
  var MY_WORKSPACES = 'query MyWorkspaces { me { memberships(first: 100) { edges { node { role workspace { id name } } } } } }';
  var WORKSPACE =
    'query JoinedWorkspace($id: ID!) { workspace(id: $id) { id name description people(first: 10) { totalCount edges { node { name email role } } } } }';
  var REQUEST_RESET = 'mutation RequestReset($email: String!) { requestPasswordReset(email: $email) }';

  function acceptPage() {
    if (!token) return missingToken('invitation');
    gql(PREVIEW, { token: token }).then(function (result) {
      var preview = result.data && result.data.invitationPreview;
      if (result.errors.length) return showAcceptProblem(problemOf(result.errors), null);
      if (!preview) return showUnknownInvitation();
      if (preview.state !== 'PENDING') return showClosedInvitation(preview);
      showInvitation(preview);
    }, unreachable);
  }

  function facts(preview) {
    return h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Workspace'),
      h('dd', {}, preview.workspaceName),
      h('dt', {}, 'Invited by'),
      h('dd', {}, preview.invitedByName || 'Someone who has since left Atrium'),
      h('dt', {}, 'Invited address'),
      h('dd', {}, preview.email),
      h('dt', {}, 'Role'),
      h('dd', {}, roleName(preview.role)),
      h('dt', {}, preview.state === 'PENDING' ? 'Link works until' : 'Link was valid until'),
      h('dd', {}, formatDate(preview.expiresAt)),
    );
  }

  function showUnknownInvitation() {
    show('This invitation link is not valid', [
      notice(
        'error',
        'Atrium does not know this invitation link.',
        'The link may be cut off or mistyped; it may have been replaced by a newer invitation (resending an invitation gives it a new link); or the workspace was removed. Open the newest invitation email, or ask whoever invited you for a new invitation.',
      ),
      nextStep(null),
    ]);
  }

  var CLOSED = {
    ACCEPTED: ['This invitation was already accepted', 'An invitation works once. If you accepted it, you are a member already: sign in to see the workspace.'],
    DECLINED: ['This invitation was declined', 'If you changed your mind, ask whoever invited you to invite you again.'],
    REVOKED: ['This invitation was withdrawn', 'The workspace withdrew it. Ask whoever invited you if you think this is a mistake.'],
    EXPIRED: [
      'This invitation has expired',
      'Invitation links work for a limited time. Ask whoever invited you to send the invitation again; the new email has a new link.',
    ],
  };

  function showClosedInvitation(preview) {
    var words = CLOSED[preview.state] || ['This invitation can no longer be accepted', 'Ask whoever invited you for a new invitation.'];
    show(words[0], [notice('error', words[0] + '.', words[1]), facts(preview), nextStep(null)]);
  }

  function showInvitation(preview, lead) {
    var who = preview.invitedByName || 'Someone';
    var role = roleName(preview.role);
    var nodes = [
      lead || null,
      h('p', {}, who + ' invited you to join the workspace ', h('strong', {}, preview.workspaceName), ' on Atrium as ' + withArticle(role) + '.'),
      facts(preview),
    ];
    nodes.push(preview.accountExists ? signInSection(preview) : signUpSection(preview));
    nodes.push(declineSection(preview));
    show('Join ' + preview.workspaceName, nodes);
  }

  function signUpSection(preview) {
    var email = field('email', 'Email', {
      type: 'email',
      readonly: true,
      value: preview.email,
      autocomplete: 'username',
      hint: 'The invited address; your account uses it.',
    });
    var name = field('name', 'Your name', { autocomplete: 'name', maxlength: 255, hint: 'As the workspace’s people will see it.' });
    var password = field('password', 'Choose a password', {
      type: 'password',
      autocomplete: 'new-password',
      minlength: MIN_PASSWORD,
      maxlength: 256,
      hint: 'At least ' + MIN_PASSWORD + ' characters.',
    });
    var f = form('Create your account and join', [email, name, password], 'Create account and join', function (values) {
      return gql(SIGN_UP_AND_ACCEPT, { input: { token: token, name: values.name, password: values.password } }).then(function (result) {
        if (result.errors.length) return acceptFailure(problemOf(result.errors), null);
        var session = result.data.signUpAndAcceptInvitation;
        return showJoined(session.token, session.me, preview, null);
      });
    });
    return h(
      'section',
      { 'aria-labelledby': 'signup-heading' },
      h('h2', { id: 'signup-heading' }, 'Create your account to accept'),
      h(
        'p',
        {},
        'There is no Atrium account for ' +
          preview.email +
          ' yet. Choose your name and a password: the account is created and joins the workspace in one step.',
      ),
      f.node,
    );
  }

  function signInSection(preview) {
    var email = field('email', 'Email', { type: 'email', readonly: true, value: preview.email, autocomplete: 'username', hint: 'The invited address.' });
    var password = field('password', 'Password', { type: 'password', autocomplete: 'current-password', maxlength: 256 });
    var resetStatus = h('div', {});
    var forgot = h(
      'button',
      {
        type: 'button',
        class: 'link-button',
        onclick: function () {
          forgot.disabled = true;
          gql(REQUEST_RESET, { email: preview.email })
            .then(
              function (result) {
                resetStatus.replaceChildren(
                  result.errors.length
                    ? notice('error', problemOf(result.errors).message)
                    : notice(
                        'success',
                        'We sent a password-reset link to ' + preview.email + '.',
                        'Choose a new password from that email, then open this invitation link again.',
                      ),
                );
              },
              function (error) {
                resetStatus.replaceChildren(notice('error', 'Atrium could not be reached: ' + error.message));
              },
            )
            .then(function () {
              forgot.disabled = false;
            });
        },
      },
      'Forgot your password?',
    );
    var f = form('Sign in and join', [email, password], 'Sign in and join', function (values) {
      return gql(SIGN_IN, { input: { email: preview.email, password: values.password } }).then(function (signedIn) {
        if (signedIn.errors.length) {
          var problem = problemOf(signedIn.errors);
          // A wrong password belongs next to the password.
          if (problem.code === 'UNAUTHENTICATED') problem.fields = [{ field: 'password', message: problem.message }];
          return problem;
        }
        var session = signedIn.data.signIn;
        return gql(ACCEPT, { token: token }, session.token).then(function (accepted) {
          if (accepted.errors.length) return acceptFailure(problemOf(accepted.errors), session.token);
          var member = accepted.data.acceptInvitation;
          return showJoined(session.token, session.me, preview, member.workspace.id);
        });
      });
    });
    return h(
      'section',
      { 'aria-labelledby': 'signin-heading' },
      h('h2', { id: 'signin-heading' }, 'Sign in to accept'),
      h('p', {}, 'You already have an Atrium account with this address. Sign in with its password to join.'),
      f.node,
      h('p', {}, forgot),
      resetStatus,
    );
  }

  function declineSection(preview) {
    var holder = h('div', {});
    var start = h('button', { type: 'button', class: 'danger', onclick: ask }, 'Decline the invitation');
    holder.appendChild(h('div', { class: 'actions' }, start));
    function ask() {
      var yes = h('button', { type: 'button', class: 'danger', onclick: decline }, 'Yes, decline');
      var no = h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: function () {
            holder.replaceChildren(h('div', { class: 'actions' }, start));
            start.focus();
          },
        },
        'Keep the invitation',
      );
      holder.replaceChildren(
        h('p', { id: 'decline-question' }, 'Decline the invitation to ' + preview.workspaceName + '? The link stops working.'),
        h('div', { class: 'actions', role: 'group', 'aria-labelledby': 'decline-question' }, yes, no),
      );
      yes.focus();
    }
    function decline() {
      gql(DECLINE, { token: token }).then(function (result) {
        if (result.errors.length) return showAcceptProblem(problemOf(result.errors), null);
        show('Invitation declined', [
          notice(
            'success',
            'You declined the invitation to ' + preview.workspaceName + '.',
            'Nobody will be added to the workspace with this link. You can close this page.',
          ),
          nextStep(null, 'To look around Atrium anyway, open the GraphQL playground.'),
        ]);
      }, unreachable);
    }
    return h(
      'section',
      { 'aria-labelledby': 'decline-heading' },
      h('h2', { id: 'decline-heading' }, 'Not for you?'),
      h('p', {}, 'If you do not want to join ' + preview.workspaceName + ', decline the invitation: its link stops working.'),
      holder,
    );
  }

  /** A failed accept: a field problem stays on the form; a closed or unknown invitation replaces the page. */
  function acceptFailure(problem, sessionToken) {
    if (
      problem.code === 'BAD_USER_INPUT' &&
      problem.fields.some(function (f) {
        return f.field !== 'token';
      })
    )
      return problem;
    if (problem.code === 'RATE_LIMITED') return problem;
    showAcceptProblem(problem, sessionToken);
    return null;
  }

  function showAcceptProblem(problem, sessionToken) {
    if (problem.reason === 'INVITATION_EXPIRED' || problem.reason === 'INVITATION_NOT_PENDING') {
      // The invitation changed while the page was open: show what it is now.
      return gql(PREVIEW, { token: token }).then(function (result) {
        var preview = result.data && result.data.invitationPreview;
        if (preview && preview.state !== 'PENDING') showClosedInvitation(preview);
        else showUnknownInvitation();
      }, unreachable);
    }
    if (
      problem.code === 'NOT_FOUND' ||
      (problem.code === 'BAD_USER_INPUT' &&
        problem.fields.some(function (f) {
          return f.field === 'token';
        }))
    )
      return showUnknownInvitation();
    if (problem.reason === 'ACCOUNT_EXISTS') {
      // Someone signed up with the address while the page was open: offer the sign-in instead.
      return gql(PREVIEW, { token: token }).then(function (result) {
        var preview = result.data && result.data.invitationPreview;
        if (preview && preview.state === 'PENDING') showInvitation(preview, notice('error', problem.message, 'Sign in with its password to accept.'));
        else if (preview) showClosedInvitation(preview);
        else showUnknownInvitation();
      }, unreachable);
    }
    if (problem.reason === 'ALREADY_MEMBER') {
      return show('You are already a member', [notice('success', problem.message), nextStep(sessionToken)]);
    }
    show('The invitation could not be accepted', [notice('error', problem.message), nextStep(sessionToken)]);
  }

  /** After joining: the workspace as its new member sees it, then the way on. */
  function showJoined(sessionToken, me, preview, workspaceId) {
    var findId = workspaceId
      ? Promise.resolve(workspaceId)
      : gql(MY_WORKSPACES, {}, sessionToken).then(function (result) {
          var nodes = ((result.data && result.data.me && result.data.me.memberships.edges) || []).map(function (e) {
            return e.node;
          });
          var match =
            nodes.filter(function (m) {
              return m.workspace.name === preview.workspaceName;
            })[0] || nodes[0];
          return match ? match.workspace.id : null;
        });
    return findId
      .then(function (id) {
        return id ? gql(WORKSPACE, { id: id }, sessionToken) : { data: null, errors: [] };
      })
      .then(function (result) {
        var workspace = result.data && result.data.workspace;
        var nodes = [notice('success', 'Welcome, ' + me.name + ': you joined ' + preview.workspaceName + ' as ' + withArticle(roleName(preview.role)) + '.')];
        if (workspace) {
          var people = workspace.people;
          nodes.push(
            h(
              'section',
              { 'aria-labelledby': 'workspace-heading' },
              h('h2', { id: 'workspace-heading' }, workspace.name),
              workspace.description ? h('p', {}, workspace.description) : null,
              h('p', { class: 'muted' }, people.totalCount === 1 ? '1 person' : people.totalCount + ' people'),
              h(
                'ul',
                { class: 'people' },
                people.edges.map(function (edge) {
                  var p = edge.node;
                  return h('li', {}, (p.name || p.email || 'Someone') + ' · ' + roleName(p.role));
                }),
              ),
            ),
          );
        }
        nodes.push(nextStep(sessionToken));
        show('You joined ' + preview.workspaceName, nodes);
      });
  }

  // ------------------------------------------------------------------ /password-reset

  var RESET = 'mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { token me { name email } } }';

  function resetPage() {
    if (!token) return missingToken('password-reset');
    show('Choose a new password', [
      h('p', {}, 'Choose the new password of your Atrium account. Signing in with it works right away; other sessions of the account end.'),
      resetForm(),
    ]);
  }

  function resetForm() {
    var password = field('newPassword', 'New password', {
      type: 'password',
      autocomplete: 'new-password',
      minlength: MIN_PASSWORD,
      maxlength: 256,
      hint: 'At least ' + MIN_PASSWORD + ' characters.',
    });
    var repeat = field('repeat', 'New password again', { type: 'password', autocomplete: 'new-password', maxlength: 256 });
    var f = form('Choose a new password', [password, repeat], 'Set the new password', function (values) {
      return gql(RESET, { input: { token: token, newPassword: values.newPassword } }).then(function (result) {
        if (result.errors.length) {
          var problem = problemOf(result.errors);
          if (
            problem.code === 'BAD_USER_INPUT' &&
            problem.fields.some(function (fp) {
              return fp.field === 'token';
            })
          )
            return showDeadResetLink();
          return problem;
        }
        var session = result.data.resetPassword;
        show('Your password is changed', [
          notice(
            'success',
            'Your new password is set, ' + session.me.name + '.',
            'Other sessions of the account were signed out. From now on, sign in as ' +
              session.me.email +
              ' with the new password. You are signed in on this page.',
          ),
          nextStep(session.token),
        ]);
      });
    });
    f.check(function (values) {
      return values.newPassword === values.repeat ? [] : [{ field: 'repeat', message: 'The two passwords differ; type the same password twice.' }];
    });
    return f.node;
  }

  function showDeadResetLink() {
    var email = field('email', 'Email', { type: 'email', autocomplete: 'email', maxlength: 320 });
    var done = h('div', {});
    var f = form('Ask for a new reset link', [email], 'Email me a new link', function (values) {
      return gql(REQUEST_RESET, { email: values.email.trim() }).then(function (result) {
        if (result.errors.length) return problemOf(result.errors);
        done.replaceChildren(
          notice(
            'success',
            'If an account uses ' + values.email.trim() + ', a new link is on its way.',
            'It works once, for one hour. Open it from the newest email.',
          ),
        );
      });
    });
    show('This reset link can no longer be used', [
      notice(
        'error',
        'This password-reset link is unknown, already used, replaced by a newer one, or expired.',
        'Nothing was changed this time. Ask for a new link below.',
      ),
      h('section', { 'aria-labelledby': 'again-heading' }, h('h2', { id: 'again-heading' }, 'Ask for a new link'), f.node, done),
      nextStep(null),
    ]);
  }

  // ------------------------------------------------------------------ /verify-email

  var VERIFY = 'mutation VerifyEmail($token: String!) { verifyEmail(token: $token) }';

  function verifyPage() {
    if (!token) return missingToken('verification');
    var button = h('button', { type: 'button', class: 'primary', onclick: verify }, 'Confirm my email address');
    var status = h('div', {});
    // One click rather than on load: mail scanners that open links must not use the token up.
    show('Confirm your email address', [
      h('p', {}, 'Confirm that this address belongs to you: it is how Atrium reaches you about invitations and your password.'),
      status,
      h('div', { class: 'actions' }, button),
    ]);
    function verify() {
      if (button.disabled) return;
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      status.replaceChildren();
      var done = function () {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      };
      gql(VERIFY, { token: token }).then(
        function (result) {
          done();
          // verifyEmail answers false for a token that is unknown, used or expired; a token the API
          // refuses as input (BAD_USER_INPUT: malformed) is just as dead, so it gets the same page.
          var problem = result.errors.length ? problemOf(result.errors) : null;
          if (problem && problem.code !== 'BAD_USER_INPUT') {
            status.replaceChildren(
              notice(
                'error',
                'The address could not be confirmed.',
                problem.message + (problem.retryAfter ? ' Try again in ' + Math.ceil(problem.retryAfter / 60) + ' minute(s).' : ' Try again.'),
              ),
            );
            return;
          }
          if (!problem && result.data.verifyEmail) {
            show('Your email address is confirmed', [
              notice(
                'success',
                'Thank you: your email address is confirmed.',
                'Invitations sent to it now show when you are signed in, and Atrium can reach you there about your workspaces and your password.',
              ),
              nextStep(null, 'Open the GraphQL playground and sign in with this address, with the control in its sidebar.'),
            ]);
          } else {
            show('This confirmation link is not valid', [
              notice(
                'error',
                'This confirmation link is unknown, already used, or expired (a link works once, for 24 hours).',
                'If you confirmed your address already, there is nothing else to do. Otherwise sign in and ask for a new link (the resendVerificationEmail mutation), then open it from the newest email.',
              ),
              nextStep(null),
            ]);
          }
        },
        function (error) {
          done();
          status.replaceChildren(
            notice('error', 'Atrium could not be reached.', (error && error.message ? error.message + ' ' : '') + 'Check your connection and try again.'),
          );
        },
      );
    }
  }

  var PAGES = { accept: acceptPage, reset: resetPage, verify: verifyPage };
  (PAGES[page] || missingToken)();
})();

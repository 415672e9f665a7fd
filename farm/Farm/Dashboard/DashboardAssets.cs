namespace Farm.Dashboard;

/// <summary>
/// The dashboard's one stylesheet and one script, served from memory. Colours follow the system unless a theme is
/// chosen (the <c>data-theme</c> the server puts on the page). The script only enhances: line ranges, the live tail,
/// posting the workers' buttons to the API without leaving the page.
/// </summary>
internal static class DashboardAssets
{
    public const string Css = """
        :root{--bg:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--card:#f6f8fa;--link:#0969da;--ok:#1a7f37;--bad:#cf222e;--run:#9a6700;--wait:#8c959f;--skip:#6e7781;--hl:#fff8c5;--err:#ffebe9}
        @media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--card:#161b22;--link:#4493f8;--ok:#3fb950;--bad:#f85149;--run:#d29922;--wait:#6e7681;--skip:#8b949e;--hl:#3b2e00;--err:#3c1618}}
        :root[data-theme=dark]{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--card:#161b22;--link:#4493f8;--ok:#3fb950;--bad:#f85149;--run:#d29922;--wait:#6e7681;--skip:#8b949e;--hl:#3b2e00;--err:#3c1618}
        *{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
        a{color:var(--link)}header{display:flex;flex-wrap:wrap;gap:.3rem .9rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--card)}
        header nav{display:flex;flex-wrap:wrap;gap:.8rem}header nav a{text-decoration:none}header nav a[aria-current]{font-weight:600;text-decoration:underline}
        .brand{font-weight:700;color:var(--fg);text-decoration:none}.spacer{flex:1}.who{color:var(--muted)}.theme{font-size:.9em}
        main{padding:1rem;max-width:1400px;margin:0 auto}h1{font-size:1.4rem;margin:.2rem 0 .6rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
        .meta,.legend,.empty{color:var(--muted)}.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
        .scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
        thead th{color:var(--muted);font-weight:600;white-space:nowrap}
        .state{font-weight:600}.s-succeeded,.s-online{color:var(--ok)}.s-failed,.s-lost{color:var(--bad)}.s-running,.s-stale,.s-resolving{color:var(--run)}.s-queued{color:var(--wait)}.s-skipped,.s-cancelled{color:var(--skip)}
        .drain{font-size:.75em;font-weight:600;padding:.1em .5em;border-radius:1em;border:1px solid currentColor;margin-left:.4em}.d-draining{color:var(--run)}.d-drained{color:var(--wait)}
        .dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;margin:0 2px;background:var(--wait);vertical-align:middle}
        .dot.s-succeeded{background:var(--ok)}.dot.s-failed{background:var(--bad)}.dot.s-running{background:var(--run)}.dot.s-skipped,.dot.s-cancelled{background:var(--skip);opacity:.6}.dot.cached{outline:2px solid var(--ok);outline-offset:1px}
        .filters{display:flex;flex-wrap:wrap;gap:.4rem;margin-bottom:.8rem}.filters input,.filters select{padding:.3rem .4rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);min-width:0;flex:1 1 9rem}
        button{padding:.3rem .8rem;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg);cursor:pointer}button.danger{color:var(--bad);border-color:var(--bad)}
        form.inline{display:inline}.actions{margin:.4rem 0}.branch{color:var(--muted)}.why{color:var(--run);font-size:.9em}.phase{color:var(--muted)}
        .reason{background:var(--err);padding:.5rem .7rem;border-radius:6px}.failure{border:1px solid var(--bad);border-radius:8px;padding:.2rem .8rem .6rem;margin:.8rem 0}
        pre.log{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem 0;overflow-x:auto;white-space:pre;margin:.4rem 0}
        pre.log .line{display:block;padding:0 .6rem 0 0}pre.log .line.error{background:var(--err)}pre.log .line.hl{background:var(--hl)}
        .ln{display:inline-block;min-width:4.5em;padding-right:1em;text-align:right;color:var(--muted);text-decoration:none;user-select:none}
        .ansi-bold{font-weight:700}.ansi-0{color:var(--muted)}.ansi-1{color:var(--bad)}.ansi-2{color:var(--ok)}.ansi-3{color:var(--run)}.ansi-4{color:var(--link)}.ansi-5{color:#bf3989}.ansi-6{color:#1b7c83}.ansi-7{color:var(--fg)}
        svg.waterfall{width:100%;height:auto;max-width:1400px}.wf-label,.wf-axis{fill:var(--fg);font:12px ui-monospace,monospace}
        .wf-waiting{fill:var(--wait);background:var(--wait)}.wf-building{fill:var(--link);background:var(--link)}.wf-booting{fill:var(--ok);background:var(--ok)}.wf-publishing{fill:#8250df;background:#8250df}.wf-running{opacity:.6}
        .legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .2rem 0 .8rem;vertical-align:middle;border-radius:2px}
        pre.command{background:var(--card);padding:.5rem;border-radius:6px;overflow-x:auto}
        table.catalog td.cell{min-width:11rem}td.regressed{background:var(--err)}.flag{color:var(--bad);font-size:.9em}.strip{white-space:nowrap}.strip .dot{width:.55rem;height:.55rem;margin:0 1px}
        svg.spark{width:80px;height:20px;vertical-align:middle}svg.spark polyline{fill:none;stroke:var(--link);stroke-width:1.5}.measure{font-size:.9em;color:var(--muted)}
        .workers{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:.8rem}.worker{border:1px solid var(--line);border-radius:8px;padding:.2rem .8rem .6rem;background:var(--card)}
        .worker.h-lost{border-color:var(--bad)}.worker p{margin:.3rem 0;overflow-wrap:anywhere}.login{max-width:26rem}.login label{display:block;margin:.6rem 0}.login input{width:100%;padding:.4rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
        meter{width:5rem}
        @media (max-width:600px){main{padding:.6rem}table.builds td:nth-child(7),table.builds th:nth-child(7){display:none}.ln{min-width:3em}}
        """;

    public const string Js = """
        (function(){
          function lines(){var m=/^#L(\d+)(?:-L(\d+))?$/.exec(location.hash);document.querySelectorAll('.line.hl').forEach(function(e){e.classList.remove('hl')});if(!m)return;
            var a=+m[1],b=m[2]?+m[2]:a;if(b<a){var t=a;a=b;b=t}var first=null;for(var i=a;i<=b&&i-a<100000;i++){var e=document.getElementById('L'+i);if(e){e.classList.add('hl');first=first||e}}
            if(first)first.scrollIntoView({block:'center'})}
          var anchor=null;document.addEventListener('click',function(ev){var a=ev.target.closest&&ev.target.closest('a.ln');if(!a||!a.closest('#log'))return;var n=a.getAttribute('href').slice(2);
            if(ev.shiftKey&&anchor){ev.preventDefault();location.hash='#L'+Math.min(anchor,n)+'-L'+Math.max(anchor,n)}else anchor=+n});
          window.addEventListener('hashchange',lines);document.addEventListener('DOMContentLoaded',function(){lines();
            var log=document.getElementById('log');if(log&&log.dataset.events&&window.EventSource){var es=new EventSource(log.dataset.events+'?from='+log.dataset.next);
              es.addEventListener('line',function(e){var n=e.lastEventId,s=document.createElement('span');s.className='line';s.id='L'+n;s.innerHTML='<a class="ln" href="#L'+n+'">'+n+'</a>'+e.data;log.appendChild(s);
                if(window.innerHeight+window.scrollY>=document.body.scrollHeight-200)s.scrollIntoView({block:'end'})});
              es.addEventListener('end',function(){es.close();var l=document.getElementById('live');if(l)l.textContent='finished'})}
            document.querySelectorAll('form[data-reload]').forEach(function(f){f.addEventListener('submit',function(ev){ev.preventDefault();
              fetch(f.action,{method:'POST',credentials:'same-origin',headers:{'X-Farm-Csrf':f.querySelector('input[name=_csrf]').value}}).then(function(r){if(!r.ok)return r.json().then(function(j){alert(j.error||r.status)});location.reload()})})})})})();
        """;
}
